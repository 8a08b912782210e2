/**
 * The per-key search of the linearizability checker: Wing & Gong's algorithm with Lowe's memoisation of (linearized
 * set, model state), as in Knossos and Porcupine (Lowe's WGL). One key's ops, already sorted by invocation, against
 * one model.
 */
import { assert } from "../core/assert.ts";
import type { HistoryOp } from "./history.ts";
import type { Model } from "./models/model.ts";
import type { CheckOp } from "./models/op.ts";
import { SearchMemo, zobristWords } from "./searchMemo.ts";

/** A call or return event of one op, in a doubly linked list. */
interface Entry {
  op: number;
  isCall: boolean;
  time: number;
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

export interface KeySearchLimits {
  /** Search steps for this key; beyond them the key is "unknown". */
  maxStates: number;
  /** Asked every STOP_POLL steps: true stops the search with "unknown" (a time budget, or another key's violation). */
  shouldStop?: () => boolean;
}

export interface KeySearchResult {
  verdict: "ok" | "violation" | "unknown";
  /** Why an unknown search stopped. */
  stoppedBy?: "states" | "stop";
  explored: number;
  /** Index (into the sorted ops) of the op whose return was reached before its call could be placed, deepest. */
  stuckAt: number;
  /** The ops (indices) of the longest valid order found, in order. */
  stuckPrefix: number[];
  /**
   * On a violation: the latest return at which some branch of the search died. The history cut there (ops still
   * running become indeterminate) is the shortest prefix that is not linearizable: every branch dies by then, and
   * the branch that died there linearizes every shorter prefix.
   */
  stuckMaxMicros?: number;
}

/** Steps between two calls of `shouldStop` (a clock read costs more than a step). */
const STOP_POLL = 4096;

function buildEntries(ops: readonly HistoryOp<CheckOp>[]): Entry {
  const events: Entry[] = [];
  for (let i = 0; i < ops.length; i++) {
    const h = ops[i] as HistoryOp<CheckOp>;
    const call: Entry = { op: i, isCall: true, time: h.invokeMicros, match: null, prev: null, next: null };
    const end = h.completeMicros ?? Number.POSITIVE_INFINITY;
    const ret: Entry = { op: i, isCall: false, time: end, match: null, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  }
  // Calls before returns at equal times: ops that touch in time are treated as concurrent (never a false alarm).
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, time: Number.NEGATIVE_INFINITY, match: null, prev: null, next: null };
  let last = head;
  for (const e of events) {
    e.prev = last;
    last.next = e;
    last = e;
  }
  return head;
}

function lift(e: Entry): void {
  (e.prev as Entry).next = e.next;
  if (e.next) e.next.prev = e.prev;
  const m = e.match as Entry;
  (m.prev as Entry).next = m.next;
  if (m.next) m.next.prev = m.prev;
}

function unlift(e: Entry): void {
  const m = e.match as Entry;
  (m.prev as Entry).next = m;
  if (m.next) m.next.prev = m;
  (e.prev as Entry).next = e;
  if (e.next) e.next.prev = e;
}

/**
 * Search one key's history. `ops` must be sorted by invocation time; `fail` ops and indeterminate reads must already
 * be gone. `info` ops may be placed anywhere after their invocation, or never; the search succeeds once every other op
 * is placed.
 */
export function searchKey<S>(
  model: Model<S>,
  ops: readonly HistoryOp<CheckOp>[],
  limits: KeySearchLimits,
): KeySearchResult {
  for (let i = 1; i < ops.length; i++)
    assert(
      (ops[i - 1] as HistoryOp<CheckOp>).invokeMicros <= (ops[i] as HistoryOp<CheckOp>).invokeMicros,
      () => `searchKey: ops must be sorted by invocation (op ${i})`,
    );
  const head = buildEntries(ops);
  const words = Math.ceil(ops.length / 32);
  const linearized = new Uint32Array(words);
  // The linearized set's first non-full word, last non-empty word, and Zobrist hash, kept up to date as bits change.
  let lo = 0;
  let hi = -1;
  let setHash = 0;
  const zobrist = zobristWords(ops.length);
  const memo = new SearchMemo();
  const stateIds = new Map<string, number>();
  // The stack of linearized calls and the model state before each, as two arrays (no object per step).
  const stackEntries: Entry[] = [];
  const stackStates: S[] = [];
  let state = model.init();
  let remaining = 0;
  for (const h of ops) if (h.outcome !== "info") remaining++;
  // The deepest point where a return was reached before its call could be placed: that op cannot follow that prefix.
  let stuckAt = -1;
  let stuckPrefix: number[] = [];
  let stuckMaxMicros = Number.NEGATIVE_INFINITY;
  let explored = 0;
  const clearBit = (op: number): void => {
    const w = op >>> 5;
    linearized[w] = (linearized[w] as number) & ~(1 << (op & 31));
    setHash ^= zobrist[op] as number;
    if (w < lo) lo = w;
    if (w === hi) while (hi >= 0 && linearized[hi] === 0) hi--;
  };
  let entry = head.next;
  while (remaining > 0 && entry !== null) {
    if (explored >= limits.maxStates)
      return { verdict: "unknown", stoppedBy: "states", explored, stuckAt, stuckPrefix };
    if (explored % STOP_POLL === 0 && limits.shouldStop?.() === true)
      return { verdict: "unknown", stoppedBy: "stop", explored, stuckAt, stuckPrefix };
    explored++;
    if (entry.isCall) {
      const h = ops[entry.op] as HistoryOp<CheckOp>;
      const next = model.step(state, h.op, h.result, h.outcome !== "info");
      if (next !== undefined) {
        const w = entry.op >>> 5;
        const bit = 1 << (entry.op & 31);
        linearized[w] = (linearized[w] as number) | bit;
        setHash ^= zobrist[entry.op] as number;
        if (w > hi) hi = w;
        if (w === lo) while (lo < words && linearized[lo] === 0xffffffff) lo++;
        const sk = model.key(next);
        let sid = stateIds.get(sk);
        if (sid === undefined) {
          sid = stateIds.size;
          stateIds.set(sk, sid);
        }
        if (memo.add(linearized, lo, hi, setHash, sid)) {
          stackEntries.push(entry);
          stackStates.push(state);
          state = next;
          if (h.outcome !== "info") remaining--;
          lift(entry);
          entry = head.next;
          continue;
        }
        clearBit(entry.op);
      }
      entry = entry.next;
    } else {
      // A return before its call was placed: backtrack.
      if (stuckAt < 0 || stackEntries.length > stuckPrefix.length) {
        stuckAt = entry.op;
        stuckPrefix = stackEntries.map((x) => x.op);
      }
      if (entry.time > stuckMaxMicros) stuckMaxMicros = entry.time;
      const top = stackEntries.pop();
      if (top === undefined) break;
      const h = ops[top.op] as HistoryOp<CheckOp>;
      if (h.outcome !== "info") remaining++;
      state = stackStates.pop() as S;
      clearBit(top.op);
      unlift(top);
      entry = top.next;
    }
  }
  if (remaining === 0) return { verdict: "ok", explored, stuckAt, stuckPrefix };
  return { verdict: "violation", explored, stuckAt, stuckPrefix, stuckMaxMicros };
}
