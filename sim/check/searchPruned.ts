/**
 * A cheaper first try for keys with indeterminate writes. An `info` op may take effect at any time after its
 * invocation, or never; so if the history without some `info` ops is linearizable, the whole history is (let those
 * ops never take effect). Writes whose value no other op ever shows are the ones worth dropping: each one the search
 * keeps multiplies the states it must visit (where it took effect, or not), and a value nobody saw constrains nothing
 * a later read could check. The pruned history is tried first with a quarter of the key's budget; "ok" there is
 * "ok" for the key. Anything else (a violation of the pruned history proves nothing, since a dropped write may be
 * what a failed cas saw) falls back to the whole history with the budget left.
 */
import { assert } from "../core/assert.ts";
import type { HistoryOp } from "./history.ts";
import type { Model } from "./models/model.ts";
import type { CheckOp } from "./models/op.ts";
import { type KeySearchLimits, type KeySearchResult, searchKey } from "./search.ts";

/** The share of a key's budget the pruned history may use before the whole history is searched. */
const PRUNED_SHARE = 4;

/** The `info` ops of one key whose written value no other op's result or cas expectation contains. */
export function unobservedInfo(ops: readonly HistoryOp<CheckOp>[]): Set<HistoryOp<CheckOp>> {
  const seen: string[] = [];
  for (const h of ops) {
    if (h.result !== undefined && h.result !== null) seen.push(JSON.stringify(h.result));
    if (h.op.f === "cas" && h.op.expected !== null) seen.push(h.op.expected);
  }
  const out = new Set<HistoryOp<CheckOp>>();
  for (const h of ops) {
    if (h.outcome !== "info" || !("value" in h.op) || typeof h.op.value !== "string" || h.op.value === "") continue;
    const value = h.op.value;
    if (!seen.some((s) => s.includes(value))) out.add(h);
  }
  return out;
}

/** searchKey, trying the history without its unobserved indeterminate writes first (see the module comment). */
export function searchKeyPruned<S>(
  model: Model<S>,
  ops: readonly HistoryOp<CheckOp>[],
  limits: KeySearchLimits,
): KeySearchResult {
  assert(limits.maxStates >= 1, "searchKeyPruned: the budget must be positive");
  const drop = unobservedInfo(ops);
  if (drop.size === 0 || limits.maxStates < PRUNED_SHARE) return searchKey(model, ops, limits);
  const pruned = ops.filter((h) => !drop.has(h));
  assert(pruned.length === ops.length - drop.size, "searchKeyPruned: pruned exactly the unobserved info ops");
  const first = searchKey(model, pruned, { ...limits, maxStates: Math.floor(limits.maxStates / PRUNED_SHARE) });
  if (first.verdict === "ok") return first;
  if (first.stoppedBy === "stop") return first;
  const rest = searchKey(model, ops, { ...limits, maxStates: Math.max(1, limits.maxStates - first.explored) });
  return { ...rest, explored: rest.explored + first.explored };
}
