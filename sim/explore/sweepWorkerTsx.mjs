// Starts sweepWorker.ts from source: a worker thread does not inherit the tsx loader of the thread that started it,
// so this plain module registers tsx in the worker and then imports the TypeScript entry. A compiled build starts
// sweepWorker.js directly (see pool.ts, workerEntry).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
