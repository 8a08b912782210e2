/**
 * Shrinking a key's non-linearizable history to a minimal counterexample: first the shortest prefix in time that is
 * already not linearizable, then ops removed (in halves, quarters, ..., one at a time) while the rest stays not
 * linearizable, until no single op can go. An op whose written value a kept op reads is never removed alone: a read
 * of a value nobody wrote is not linearizable, but says nothing about the ordering that went wrong.
 */
import type { HistoryOp } from "./history.ts";
import type { Model } from "./models/model.ts";
import type { CheckOp } from "./models/op.ts";
import { searchKey } from "./search.ts";

export interface ShrinkLimits {
  /** Search steps per candidate check. */
  maxStatesPerCheck: number;
  /** Search steps over the whole shrink. */
  maxStates: number;
}

export interface Shrunk {
  ops: HistoryOp<CheckOp>[];
  /** True when no single op could be removed (every check decided); false when a budget ran out first. */
  minimal: boolean;
  explored: number;
}

/** The history as it stood at time `t`: later ops gone, ops still running then indeterminate. */
function prefixAt<S>(model: Model<S>, ops: readonly HistoryOp<CheckOp>[], t: number): HistoryOp<CheckOp>[] {
  const out: HistoryOp<CheckOp>[] = [];
  for (const h of ops) {
    if (h.invokeMicros > t) break;
    if (h.completeMicros !== null && h.completeMicros <= t) out.push(h);
    else if (!model.isReadOnly(h.op)) out.push({ ...h, completeMicros: null, outcome: "info", result: null });
  }
  return out;
}

/** Values an op of `ops` reads that no op of `ops` writes. */
function unexplained<S>(model: Model<S>, ops: readonly HistoryOp<CheckOp>[]): Set<string> {
  const written = new Set<string>();
  for (const h of ops) for (const v of model.writes(h.op)) written.add(v);
  const missing = new Set<string>();
  for (const h of ops) {
    if (h.outcome !== "ok") continue;
    for (const v of model.reads(h.op, h.result)) {
      if (written.has(v)) continue;
      if (v.includes(",") && v.split(",").every((p) => written.has(p))) continue;
      missing.add(v);
    }
  }
  return missing;
}

/** Shrink `ops` (one key, sorted by invocation, known not linearizable under `model`). */
export function shrinkCounterexample<S>(
  model: Model<S>,
  ops: readonly HistoryOp<CheckOp>[],
  limits: ShrinkLimits,
): Shrunk {
  let explored = 0;
  let decidedAll = true;
  const fails = (candidate: readonly HistoryOp<CheckOp>[]): boolean => {
    const left = limits.maxStates - explored;
    if (left <= 0) {
      decidedAll = false;
      return false;
    }
    const r = searchKey(model, candidate, { maxStates: Math.min(limits.maxStatesPerCheck, left) });
    explored += r.explored;
    if (r.verdict === "unknown") decidedAll = false;
    return r.verdict === "violation";
  };
  // The shortest failing prefix: extending a history never makes it linearizable, so failure is monotone in time.
  const ends = [...new Set(ops.filter((h) => h.completeMicros !== null).map((h) => h.completeMicros as number))];
  ends.sort((a, b) => a - b);
  let cur: HistoryOp<CheckOp>[] = [...ops];
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fails(prefixAt(model, ops, ends[mid] as number))) hi = mid;
    else lo = mid + 1;
  }
  if (ends.length > 0) {
    const p = prefixAt(model, ops, ends[lo] as number);
    if (p.length < cur.length && fails(p)) cur = p;
  }
  const allowed = unexplained(model, cur);
  const closed = (candidate: readonly HistoryOp<CheckOp>[]): boolean =>
    [...unexplained(model, candidate)].every((v) => allowed.has(v));
  let chunk = Math.max(1, cur.length >> 1);
  for (;;) {
    let removed = false;
    decidedAll = true; // only the checks of the last pass, one op at a time, bear on minimality
    for (let start = 0; start < cur.length; ) {
      const candidate = [...cur.slice(0, start), ...cur.slice(start + chunk)];
      if (candidate.length > 0 && closed(candidate) && fails(candidate)) {
        cur = candidate;
        removed = true;
      } else start += chunk;
    }
    if (explored >= limits.maxStates) return { ops: cur, minimal: false, explored };
    if (!removed) {
      if (chunk === 1) return { ops: cur, minimal: decidedAll, explored };
      chunk = Math.max(1, chunk >> 1);
    }
  }
}
