/**
 * A worker of the parallel linearizability check (sim/explore/checkKeys.ts): takes key indices from a shared counter
 * and searches each key, until the keys run out or a violation on an earlier key makes the rest moot.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { KeyOutcome, KeyTask } from "../check/linearizability.ts";
import type { ModelName } from "../check/models/model.ts";
import { modelByName } from "../check/models/registry.ts";
import { searchKeyPruned } from "../check/searchPruned.ts";
import { NEXT_KEY, STOP_AT, type WorkerInput } from "./checkKeysShared.ts";

const input = workerData as WorkerInput;
const shared = new Int32Array(input.shared);
const model = modelByName(input.model as ModelName);
const tasks: KeyTask[] = input.tasks;

for (;;) {
  const index = Atomics.add(shared, NEXT_KEY, 1);
  if (index >= tasks.length || index > Atomics.load(shared, STOP_AT)) break;
  const task = tasks[index] as KeyTask;
  let outcome: KeyOutcome;
  if (Date.now() >= input.deadlineMs)
    outcome = { index, verdict: "unknown", stoppedBy: "time", explored: 0, stuckAt: -1, stuckPrefix: [] };
  else {
    const r = searchKeyPruned(model, task.ops, {
      maxStates: input.maxStates,
      // A violation on an earlier key decides the verdict; the time budget ends every search.
      shouldStop: () => Date.now() >= input.deadlineMs || Atomics.load(shared, STOP_AT) < index,
    });
    const stoppedBy = r.stoppedBy === "stop" ? (Date.now() >= input.deadlineMs ? "time" : "stop") : r.stoppedBy;
    outcome = { ...r, index, stoppedBy };
    if (r.verdict === "violation") {
      for (;;) {
        const stop = Atomics.load(shared, STOP_AT);
        if (stop <= index || Atomics.compareExchange(shared, STOP_AT, stop, index) === stop) break;
      }
    }
  }
  parentPort?.postMessage(outcome);
}
