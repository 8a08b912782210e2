/**
 * Shrinking a key's non-linearizable history to a minimal counterexample: first the shortest prefix in time that is
 * already not linearizable (known from the search, see KeySearchResult.stuckMaxMicros), then the shortest failing
 * suffix of that, then ops removed (in halves, quarters, ..., one at a time) while the rest stays not linearizable,
 * until no single op can go. An op whose written value a kept op reads is never removed alone: a read of a value
 * nobody wrote is not linearizable, but says nothing about the ordering that went wrong.
 */
import type { HistoryOp } from "./history.ts";
import type { Model } from "./models/model.ts";
import type { CheckOp } from "./models/op.ts";
import { searchKey } from "./search.ts";

/** Candidate checks per shrink: each costs a search's set-up (sorting, tables) however small it is. */
const MAX_CHECKS = 300;

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

/**
 * Values a kept op of `ops` reads (or needs, as a cas its expected value) that no other op of `ops` writes early
 * enough (invoked before the reader completed), as "requestId:value". A comma-joined value (the register's append) is
 * explained when each of its parts is.
 */
function unexplained<S>(model: Model<S>, ops: readonly HistoryOp<CheckOp>[]): Set<string> {
  // Per value, the two earliest writers (the earliest may be the reader itself, which cannot explain its own read).
  const first = new Map<string, HistoryOp<CheckOp>[]>();
  for (const h of ops)
    for (const v of model.writes(h.op, h.result, h.outcome === "ok")) {
      const list = first.get(v) ?? [];
      list.push(h);
      list.sort((a, b) => a.invokeMicros - b.invokeMicros);
      first.set(v, list.slice(0, 2));
    }
  const missing = new Set<string>();
  for (const h of ops) {
    const end = h.completeMicros ?? Number.POSITIVE_INFINITY;
    const seen = (v: string): boolean => (first.get(v) ?? []).some((w) => w !== h && w.invokeMicros < end);
    for (const v of model.reads(h.op, h.result, h.outcome === "ok")) {
      if (seen(v) || (v.includes(",") && v.split(",").every(seen))) continue;
      missing.add(`${h.requestId}:${v}`);
    }
  }
  return missing;
}

/**
 * Shrink `ops` (one key, sorted by invocation, known not linearizable under `model`; `stuckMaxMicros` from its
 * search, when known, cuts it to its shortest failing prefix first).
 */
export function shrinkCounterexample<S>(
  model: Model<S>,
  ops: readonly HistoryOp<CheckOp>[],
  stuckMaxMicros: number | undefined,
  limits: ShrinkLimits,
): Shrunk {
  let explored = 0;
  let checks = 0;
  let decidedAll = true;
  // A failing candidate, cut to its shortest failing prefix (the search reports where its last branch died).
  const fails = (candidate: readonly HistoryOp<CheckOp>[]): HistoryOp<CheckOp>[] | null => {
    const left = limits.maxStates - explored;
    checks++;
    if (left <= 0 || checks > MAX_CHECKS) {
      decidedAll = false;
      return null;
    }
    const r = searchKey(model, candidate, { maxStates: Math.min(limits.maxStatesPerCheck, left) });
    explored += r.explored;
    if (r.verdict === "unknown") decidedAll = false;
    if (r.verdict !== "violation") return null;
    return r.stuckMaxMicros === undefined ? [...candidate] : prefixAt(model, candidate, r.stuckMaxMicros);
  };
  let cur = [...ops];
  if (stuckMaxMicros !== undefined) cur = prefixAt(model, ops, stuckMaxMicros);
  const allowed = unexplained(model, cur);
  const closed = (candidate: readonly HistoryOp<CheckOp>[]): boolean =>
    [...unexplained(model, candidate)].every((v) => allowed.has(v));
  // The shortest failing suffix, sizes doubling from the end: a violation is usually local, and the small candidates
  // tried first are cheap to check.
  let best: HistoryOp<CheckOp>[] = cur;
  for (let size = 4; size < cur.length; size *= 2) {
    const candidate = cur.slice(cur.length - size);
    const failing = closed(candidate) ? fails(candidate) : null;
    if (failing !== null) {
      best = failing;
      break;
    }
  }
  cur = best;
  let chunk = Math.max(1, cur.length >> 1);
  for (;;) {
    let removed = false;
    decidedAll = true; // only the checks of the last pass, one op at a time, bear on minimality
    for (let start = 0; start < cur.length; ) {
      const candidate = [...cur.slice(0, start), ...cur.slice(start + chunk)];
      const failing = candidate.length > 0 && closed(candidate) ? fails(candidate) : null;
      if (failing !== null) {
        cur = failing;
        removed = true;
      } else start += chunk;
    }
    if (explored >= limits.maxStates || checks > MAX_CHECKS) return { ops: cur, minimal: false, explored };
    if (!removed) {
      if (chunk === 1) return { ops: cur, minimal: decidedAll, explored };
      chunk = Math.max(1, chunk >> 1);
    }
  }
}
