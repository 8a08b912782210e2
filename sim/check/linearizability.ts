import { shrinkCounterexample } from "./counterexample.ts";
import { describeOp } from "./describeOp.ts";
import type { Counterexample, HistoryOp, LinearizabilityResult } from "./history.ts";
import type { Model } from "./models/model.ts";
import type { CheckOp } from "./models/op.ts";
import { registerModel } from "./models/register.ts";
import type { KeySearchResult } from "./search.ts";
import { searchKeyPruned } from "./searchPruned.ts";

export interface LinearizabilityOptions {
  /** Search steps per key; a key that needs more is "unknown" and the next key is checked. Default 2,000,000. */
  maxStates?: number;
  /** Search steps over all keys; once spent, the keys not yet checked are "unknown". Default 5 x maxStates. */
  maxTotalStates?: number;
  /** The sequential specification (default: one register per key). */
  model?: Model<unknown>;
  /**
   * A total time budget: `now()` in milliseconds (the CLI passes a real clock; the engine passes none: it reads no
   * clock) and the budget from the first call. Once spent, the key being checked and those after are "unknown".
   */
  time?: { now: () => number; budgetMs: number };
  /** Shrink a violation to a minimal counterexample (default true). */
  counterexample?: boolean;
}

export const DEFAULT_MAX_STATES = 2_000_000;
/** Search steps per candidate when shrinking a counterexample, and over the whole shrink. */
const SHRINK_STATES_PER_CHECK = 200_000;
const SHRINK_STATES = 4_000_000;
const SHRINK_STATES_MIN = 200_000;
/** Counterexample lines written into a violation's message (the result keeps them all). */
const MESSAGE_LINES = 12;

/** One key's ops, ready for the search: fails and indeterminate reads dropped, sorted by invocation. */
export interface KeyTask {
  key: string;
  ops: HistoryOp<CheckOp>[];
}

/** What checking one key gave (the sequential and the parallel path both produce these). */
export interface KeyOutcome {
  /** Position of the key in the check order (`keyTasks`). */
  index: number;
  verdict: KeySearchResult["verdict"];
  stoppedBy?: "states" | "stop" | "total" | "time";
  explored: number;
  stuckAt: number;
  stuckPrefix: number[];
  stuckMaxMicros?: number;
}

/**
 * Split a history into per-key tasks, in the order keys are checked: fewest ops first (a small key's violation is
 * found before a large key's search starts), then by name. `fail` ops did not happen; an indeterminate read
 * constrains nothing.
 */
export function keyTasks(history: readonly HistoryOp<CheckOp>[], model: Model<unknown>): KeyTask[] {
  const byKey = new Map<string, HistoryOp<CheckOp>[]>();
  for (const h of history) {
    if (h.outcome === "fail") continue;
    if (h.outcome === "info" && model.isReadOnly(h.op)) continue;
    const list = byKey.get(h.op.key);
    if (list === undefined) byKey.set(h.op.key, [h]);
    else list.push(h);
  }
  const tasks = [...byKey].map(([key, ops]) => ({ key, ops: ops.sort((a, b) => a.invokeMicros - b.invokeMicros) }));
  return tasks.sort((a, b) => a.ops.length - b.ops.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Check a history for linearizability against `model` (default: a register per key), key by key
 * (P-compositionality: a history of independent objects is linearizable iff each key's sub-history is). Each key has
 * its own budget, so one key that cannot be decided never hides another key's violation: a violation anywhere is the
 * verdict; otherwise "unknown" if any key was undecided; otherwise "ok".
 *
 * `info` ops may have happened at any time after their invocation, or never: their return is at +infinity and their
 * result is not checked; the search succeeds once every non-info op is placed.
 */
export function checkLinearizability(
  history: readonly HistoryOp<CheckOp>[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const model = options.model ?? (registerModel as Model<unknown>);
  const tasks = keyTasks(history, model);
  const perKey = options.maxStates ?? DEFAULT_MAX_STATES;
  let totalLeft = options.maxTotalStates ?? perKey * 5;
  const time = options.time;
  const start = time?.now() ?? 0;
  const timeUp = time === undefined ? undefined : () => time.now() - start >= time.budgetMs;
  const outcomes: KeyOutcome[] = [];
  for (let index = 0; index < tasks.length; index++) {
    const task = tasks[index] as KeyTask;
    if (totalLeft <= 0 || timeUp?.() === true) {
      const stoppedBy = totalLeft <= 0 ? "total" : "time";
      outcomes.push({ index, verdict: "unknown", stoppedBy, explored: 0, stuckAt: -1, stuckPrefix: [] });
      continue;
    }
    const r = searchKeyPruned(model, task.ops, { maxStates: Math.min(perKey, totalLeft), shouldStop: timeUp });
    totalLeft -= r.explored;
    const stoppedBy =
      r.stoppedBy === "stop" ? "time" : r.stoppedBy === "states" && r.explored < perKey ? "total" : r.stoppedBy;
    outcomes.push({ ...r, index, stoppedBy });
    if (r.verdict === "violation") break;
  }
  return linearizabilityResult(history, tasks, outcomes, model, options);
}

/**
 * The verdict from per-key outcomes (any subset of the keys, in any order): the violation of the first key in check
 * order, else unknown, else ok. Shared by the sequential path and the CLI's parallel one, so both say the same.
 */
export function linearizabilityResult(
  history: readonly HistoryOp<CheckOp>[],
  tasks: readonly KeyTask[],
  outcomes: readonly KeyOutcome[],
  model: Model<unknown>,
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  let explored = 0;
  for (const o of outcomes) explored += o.explored;
  const decided = outcomes.filter((o) => o.verdict !== "unknown").length;
  const violation = outcomes.filter((o) => o.verdict === "violation").sort((a, b) => a.index - b.index)[0];
  if (violation !== undefined) {
    const task = tasks[violation.index] as KeyTask;
    const r = explainViolation(task.key, task.ops, violation.stuckAt, violation.stuckPrefix);
    let counterexample: Counterexample | undefined;
    if (options.counterexample !== false) {
      const shrunk = shrinkCounterexample(model, task.ops, violation.stuckMaxMicros, {
        maxStatesPerCheck: Math.min(SHRINK_STATES_PER_CHECK, options.maxStates ?? DEFAULT_MAX_STATES),
        // At most about what finding the violation took (and at least enough for small keys): shrinking is a help.
        maxStates: Math.min(SHRINK_STATES, Math.max(SHRINK_STATES_MIN, violation.explored)),
      });
      const lines = shrunk.ops.map(describeOp);
      counterexample = { key: task.key, ops: shrunk.ops.map((h) => h.requestId), lines, minimal: shrunk.minimal };
    }
    return { ...r, explored, counterexample, keysDecided: decided };
  }
  const unknown = outcomes.filter((o) => o.verdict === "unknown").sort((a, b) => a.index - b.index);
  const unchecked = tasks.length - outcomes.length;
  if (unknown.length > 0 || unchecked > 0) {
    const first = unknown[0];
    const unknownKeys = unknown.map((o) => (tasks[o.index] as KeyTask).key).sort();
    const firstTask = first === undefined ? undefined : (tasks[first.index] as KeyTask);
    const why =
      first?.stoppedBy === "time"
        ? "the time budget ran out"
        : first?.stoppedBy === "total"
          ? "the total search budget ran out"
          : "search limit reached";
    const more = unknownKeys.length > 1 ? ` (${unknownKeys.length} keys undecided)` : "";
    const message =
      firstTask === undefined
        ? `${unchecked} keys were not checked`
        : `${why} while checking key ${firstTask.key} (${firstTask.ops.length} ops)${more}; no key is known to ` +
          "violate linearizability";
    const timedOut = unknown.some((o) => o.stoppedBy === "time");
    return { verdict: "unknown", message, explored, unknownKeys, keysDecided: decided, timedOut };
  }
  const n = history.filter((h) => h.outcome !== "fail").length;
  return {
    verdict: "ok",
    message: `linearizable: ${n} ops over ${tasks.length} keys`,
    explored,
    keysDecided: decided,
  };
}

/**
 * A violation's message with its counterexample (up to MESSAGE_LINES ops) after it: what a run prints and writes to
 * its trace, where the counterexample has no field of its own in the text.
 */
export function messageWithCounterexample(r: LinearizabilityResult): string {
  const c = r.counterexample;
  if (c === undefined) return r.message;
  const shown = c.lines.slice(0, MESSAGE_LINES).join("; ") + (c.lines.length > MESSAGE_LINES ? "; ..." : "");
  return `${r.message}. ${c.minimal ? "Minimal" : "Reduced"} counterexample (${c.lines.length} ops): ${shown}`;
}

function explainViolation(
  key: string,
  ops: readonly HistoryOp<CheckOp>[],
  stuckAt: number,
  prefix: readonly number[],
): Omit<LinearizabilityResult, "explored"> {
  const stuck = stuckAt >= 0 ? (ops[stuckAt] as HistoryOp<CheckOp>) : null;
  if (stuck === null) return { verdict: "violation", message: `key ${key}: not linearizable`, key, ops: [] };
  // The tail of the longest valid order, plus the ops overlapping the one that cannot be placed, explain the failure.
  const tail = prefix.slice(-4).map((i) => ops[i] as HistoryOp<CheckOp>);
  const end = stuck.completeMicros ?? Number.POSITIVE_INFINITY;
  const around = ops
    .filter(
      (h) =>
        h !== stuck &&
        !tail.includes(h) &&
        h.invokeMicros <= end &&
        (h.completeMicros ?? Number.POSITIVE_INFINITY) >= stuck.invokeMicros,
    )
    .slice(0, 6);
  const message =
    `key ${key}: not linearizable: ${describeOp(stuck)} cannot take effect in any order of the ops before it; ` +
    `the longest valid order has ${prefix.length} ` +
    `ops${tail.length > 0 ? `, ending ${tail.map(describeOp).join("; ")}` : ""}` +
    (around.length > 0 ? `; concurrent with it: ${around.map(describeOp).join("; ")}` : "");
  return { verdict: "violation", message, key, ops: [stuck, ...tail, ...around].map((h) => h.requestId) };
}
