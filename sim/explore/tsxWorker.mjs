// The bootstrap of a worker_threads entry run from its TypeScript source (tests, `FAULTLINE_FROM_SOURCE=1`): tsx is
// registered in this thread (a worker's `execArgv: ["--import", "tsx"]` does not install the loader in Node 20), then
// the entry, the last argument (see workerScript.ts), is loaded.
import { argv } from "node:process";
import { register } from "tsx/esm/api";

register();
const entry = argv.at(-1);
if (entry === undefined || !entry.startsWith("file:")) throw new Error(`tsxWorker: expected the entry's file URL last`);
await import(entry);
