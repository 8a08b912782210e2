/**
 * A brute-force linearizability checker for small single-key histories, to test the real one against: tries every
 * order of the ops that respects real time (an op that completed before another was invoked comes first), with each
 * indeterminate op placed somewhere or nowhere. Exponential; for histories of at most about eight ops.
 */
import type { HistoryOp } from "../../sim/check/history.ts";
import type { Model } from "../../sim/check/models/model.ts";
import type { CheckOp } from "../../sim/check/models/op.ts";

export function bruteForceLinearizable<S>(model: Model<S>, history: readonly HistoryOp<CheckOp>[]): boolean {
  const ops = history.filter((h) => h.outcome !== "fail" && !(h.outcome === "info" && model.isReadOnly(h.op)));
  const end = (h: HistoryOp<CheckOp>) => h.completeMicros ?? Number.POSITIVE_INFINITY;
  const placed = new Array<boolean>(ops.length).fill(false);
  const search = (state: S, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const h = ops[i] as HistoryOp<CheckOp>;
      // Every unplaced determinate op that completed before h was invoked must come first; an unplaced
      // indeterminate one that did is simply never placed (it may not have happened).
      if (ops.some((o, j) => !placed[j] && j !== i && o.outcome !== "info" && end(o) < h.invokeMicros)) continue;
      const next = model.step(state, h.op, h.result, h.outcome !== "info");
      if (next === undefined) continue;
      placed[i] = true;
      const ok = search(next, left - (h.outcome === "info" ? 0 : 1));
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(model.init(), ops.filter((h) => h.outcome !== "info").length);
}
