/**
 * The worker thread of a parallel sweep (the entry point pool.ts starts). It loads the protocol registry from the
 * module the CLI names (sim/ imports nothing from protocols/), then runs each task it is sent with runTask, the
 * same function a sequential sweep runs, and posts the result back. Tasks come one message each; a task that throws
 * is reported as an error, and the CLI treats it as an internal error.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ProtocolRegistry } from "../core/registry.ts";
import { runTask, type SweepSpec, type SweepTask } from "./task.ts";

/** What pool.ts gives each worker at start. */
export interface SweepWorkerData {
  spec: SweepSpec;
  /** URL of a module whose `registry` export is the protocol registry (protocols/index.ts for the CLI). */
  registryModule: string;
}

/** A message to the worker: run the task with this index in the sweep's order. */
export interface TaskMessage {
  index: number;
  task: SweepTask;
}

export type WorkerReply =
  | { kind: "result"; index: number; result: import("./task.ts").TaskResult }
  | { kind: "error"; index: number; message: string; stack: string };

const data = workerData as SweepWorkerData;
const port = parentPort;
if (port === null) throw new Error("sweep.worker.ts runs only as a worker thread (pool.ts starts it)");
const { registry } = (await import(data.registryModule)) as { registry: ProtocolRegistry };
port.on("message", (m: TaskMessage) => {
  let reply: WorkerReply;
  try {
    reply = { kind: "result", index: m.index, result: runTask(data.spec, registry, m.task) };
  } catch (e) {
    const err = e as Error;
    reply = { kind: "error", index: m.index, message: err?.message ?? String(e), stack: String(err?.stack ?? "") };
  }
  port.postMessage(reply);
});
