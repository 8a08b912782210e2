/**
 * Runs a sweep's tasks on worker threads. Tasks are handed out in the sweep's order, a few at a time per worker;
 * results come back in any order, and the sweep counts them in index order (sweep.ts, Report), so the report
 * is the sequential sweep's.
 */
import { Worker } from "node:worker_threads";
import { assert } from "../core/assert.ts";
import type { SweepWorkerData, TaskMessage, WorkerReply } from "./sweep.worker.ts";
import type { SweepSpec, SweepTask, TaskResult } from "./task.ts";
import { workerScript } from "./workerScript.ts";

/** The worker thread's entry (sweep.worker.ts, or its compiled .mjs beside the compiled CLI). */
const WORKER = workerScript(new URL("./sweep.worker.ts", import.meta.url));

/** A task that threw inside a worker (the sweep adds the task's repro line: an internal error, exit 3). */
export class WorkerTaskError extends Error {
  override name = "WorkerTaskError";
  constructor(
    readonly index: number,
    message: string,
    readonly workerStack: string,
  ) {
    super(`${message} (a sweep worker, task ${index})`);
  }
}

/** Tasks handed to a worker before its earlier ones come back, so it never waits for the next one. */
const IN_FLIGHT_PER_WORKER = 2;

export interface PoolOptions {
  workers: number;
  registryModule: string;
  /** Called with each result as it arrives (progress); the order is not the sweep's. */
  onResult(index: number, result: TaskResult): void;
  /**
   * Asked after each result: the index past which no task needs to run (a fail-fast cut-off), or Infinity. Tasks
   * already handed out still finish.
   */
  cutoff(): number;
  /** Asked after each result: stop handing out tasks (Ctrl-C); those in progress finish. */
  stopped(): boolean;
}

/** Run tasks 0..total-1 (made by `taskAt`) on `o.workers` threads; each result goes to `o.onResult`. */
export async function runOnWorkers(
  spec: SweepSpec,
  total: number,
  taskAt: (index: number) => SweepTask,
  o: PoolOptions,
): Promise<void> {
  assert(o.workers >= 1, `a pool needs at least one worker, got ${o.workers}`);
  if (total === 0) return;
  const data: SweepWorkerData = { spec, registryModule: o.registryModule };
  const count = Math.min(o.workers, total);
  const workers = Array.from({ length: count }, () => new Worker(WORKER.file, { argv: WORKER.argv, workerData: data }));
  let next = 0;
  let pending = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const handOut = (w: Worker) => {
        while (next < total && next <= o.cutoff() && !o.stopped() && (busy.get(w) ?? 0) < IN_FLIGHT_PER_WORKER) {
          const message: TaskMessage = { index: next, task: taskAt(next) };
          w.postMessage(message);
          busy.set(w, (busy.get(w) ?? 0) + 1);
          next++;
          pending++;
        }
        if (pending === 0) resolve();
      };
      const busy = new Map<Worker, number>(workers.map((w) => [w, 0]));
      for (const w of workers) {
        w.on("message", (reply: WorkerReply) => {
          if (reply.kind === "error") {
            reject(new WorkerTaskError(reply.index, reply.message, reply.stack));
            return;
          }
          busy.set(w, (busy.get(w) ?? 0) - 1);
          pending--;
          o.onResult(reply.index, reply.result);
          for (const x of workers) handOut(x);
        });
        w.on("error", (e) => reject(e));
        w.on("exit", (code) => {
          if ((busy.get(w) ?? 0) > 0) reject(new Error(`a sweep worker exited (code ${code}) with tasks in progress`));
        });
      }
      for (const w of workers) handOut(w);
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
