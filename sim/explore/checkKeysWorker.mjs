// A worker thread of sim/explore/checkKeys.ts: the checker is TypeScript, which tsx compiles in this thread too.
import { register } from "tsx/esm/api";

register();
await import("./checkKeysWorker.ts");
