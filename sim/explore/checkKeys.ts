/**
 * The linearizability check on worker threads, one key at a time per worker (Porcupine's parallel keys): the keys, in
 * the sequential check order, are taken from a shared counter; a violation on key i stops every search of a key after
 * i, and no key after i is started. Keys before i are still finished, so the verdict (and the key reported) is the
 * sequential check's: the violation on the first violated key in check order.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HistoryOp, LinearizabilityResult } from "../check/history.ts";
import {
  DEFAULT_MAX_STATES,
  type KeyOutcome,
  keyTasks,
  type LinearizabilityOptions,
  linearizabilityResult,
} from "../check/linearizability.ts";
import type { Model } from "../check/models/model.ts";
import type { CheckOp } from "../check/models/op.ts";
import { NEXT_KEY, STOP_AT, type WorkerInput } from "./checkKeysShared.ts";
import { workerScript } from "./workerScript.ts";

const WORKER = workerScript(new URL("./checkKeys.worker.ts", import.meta.url));

/** Worker threads worth starting for `keys` keys: one per core, at most one per key. */
export function defaultWorkers(keys: number): number {
  return Math.max(1, Math.min(availableParallelism(), keys));
}

export async function checkLinearizabilityParallel(
  history: readonly HistoryOp<CheckOp>[],
  model: Model<unknown>,
  options: { maxStates?: number; budgetMs: number; workers: number; counterexample?: boolean },
): Promise<LinearizabilityResult> {
  const tasks = keyTasks(history, model);
  const shared = new SharedArrayBuffer(8);
  const slots = new Int32Array(shared);
  Atomics.store(slots, NEXT_KEY, 0);
  Atomics.store(slots, STOP_AT, tasks.length);
  const input: WorkerInput = {
    tasks,
    model: model.name,
    maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
    deadlineMs: Date.now() + options.budgetMs,
    shared,
  };
  const outcomes: KeyOutcome[] = [];
  const workers = Math.max(1, Math.min(options.workers, tasks.length));
  await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(WORKER.file, { argv: WORKER.argv, workerData: input });
          w.on("message", (o: KeyOutcome) => outcomes.push(o));
          w.on("error", reject);
          w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`check worker exited with code ${code}`))));
        }),
    ),
  );
  const lin: LinearizabilityOptions = { maxStates: options.maxStates, model, counterexample: options.counterexample };
  // Keys after a violated key may have been cut short or never started: they do not bear on the verdict.
  const stop = Atomics.load(slots, STOP_AT);
  const bearing = outcomes.filter((o) => o.index <= stop);
  return linearizabilityResult(history, tasks, stop < tasks.length ? bearing : outcomes, model, lin);
}
