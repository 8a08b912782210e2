import type { HistoryOp, LinearizabilityResult } from "./history.ts";
import { kvApply, kvResultMatches, type KvValue } from "./models.ts";

/** A call or return event of one op in a per-key history, in a doubly linked list (Lowe's WGL algorithm). */
interface Entry {
  op: number; // index into ops
  isCall: boolean;
  time: number;
  match: Entry | null; // call -> its return
  prev: Entry | null;
  next: Entry | null;
}

export interface LinearizabilityOptions {
  /** Stop after this many search steps (across all keys) with verdict "unknown". */
  maxStates?: number;
}

/**
 * Check a key-value history for linearizability: Wing & Gong's search with Lowe's memoisation of
 * (linearized set, model state), as in Porcupine/Knossos, one key at a time (P-compositionality: a KV history is
 * linearizable iff each key's sub-history is).
 *
 * `fail` ops did not happen and are dropped. `info` ops may have happened at any time after their invocation, or never:
 * their return is at +infinity and their result is not checked; the search succeeds once every non-info op is placed.
 */
export function checkLinearizability(
  history: readonly HistoryOp[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const budget = { left: options.maxStates ?? 2_000_000, explored: 0 };
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    if (h.outcome === "fail") continue;
    if (h.outcome === "info" && h.op.f === "read") continue; // an unanswered read cannot constrain anything
    const list = byKey.get(h.op.key);
    if (list === undefined) byKey.set(h.op.key, [h]);
    else list.push(h);
  }
  let unknown: string | null = null;
  for (const key of [...byKey.keys()].sort()) {
    const ops = byKey.get(key) as HistoryOp[];
    const r = checkKey(key, ops, budget);
    if (r.verdict === "violation") return { ...r, explored: budget.explored };
    if (r.verdict === "unknown" && unknown === null) unknown = r.message;
  }
  if (unknown !== null) return { verdict: "unknown", message: unknown, explored: budget.explored };
  const n = history.filter((h) => h.outcome !== "fail").length;
  return { verdict: "ok", message: `linearizable: ${n} ops over ${byKey.size} keys`, explored: budget.explored };
}

function buildEntries(ops: readonly HistoryOp[]): Entry {
  const events: Entry[] = [];
  ops.forEach((h, i) => {
    const call: Entry = { op: i, isCall: true, time: h.invokeMicros, match: null, prev: null, next: null };
    const ret: Entry = {
      op: i,
      isCall: false,
      time: h.completeMicros ?? Number.POSITIVE_INFINITY,
      match: null,
      prev: null,
      next: null,
    };
    call.match = ret;
    events.push(call, ret);
  });
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
 * An exact, short memo key for the linearized set. Ops are sorted by invocation, so the set is nearly a prefix: full
 * words below the first gap and empty words above the last set bit are implied by the two word indices.
 */
function bitsetKey(bits: Uint32Array): string {
  let lo = 0;
  while (lo < bits.length && bits[lo] === 0xffffffff) lo++;
  let hi = bits.length - 1;
  while (hi >= lo && bits[hi] === 0) hi--;
  let out = `${lo}:`;
  for (let i = lo; i <= hi; i++) out += `${bits[i] as number},`;
  return out;
}

function checkKey(
  key: string,
  unsorted: readonly HistoryOp[],
  budget: { left: number; explored: number },
): Omit<LinearizabilityResult, "explored"> {
  const ops = [...unsorted].sort((a, b) => a.invokeMicros - b.invokeMicros);
  const head = buildEntries(ops);
  const words = Math.ceil(ops.length / 32);
  const linearized = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { entry: Entry; state: KvValue }[] = [];
  let state: KvValue = null;
  let remaining = ops.filter((h) => h.outcome !== "info").length;
  // The deepest point where a return was reached before its call could be placed: that op cannot follow that prefix.
  let stuckAt = -1;
  let stuckPrefix: number[] = [];
  let entry = head.next;
  while (remaining > 0 && entry !== null) {
    if (--budget.left < 0)
      return { verdict: "unknown", message: `search limit reached while checking key ${key} (${ops.length} ops)`, key };
    budget.explored++;
    if (entry.isCall) {
      const h = ops[entry.op] as HistoryOp;
      const next = kvApply(state, h.op);
      const ok = h.outcome === "info" || kvResultMatches(h.op, next.result, h.result);
      if (ok) {
        const w = entry.op >>> 5;
        const bit = 1 << (entry.op & 31);
        linearized[w] = (linearized[w] as number) | bit;
        const cacheKey = `${bitsetKey(linearized)}|${next.value === null ? "\u0000" : next.value}`;
        if (!cache.has(cacheKey)) {
          cache.add(cacheKey);
          stack.push({ entry, state });
          state = next.value;
          if (h.outcome !== "info") remaining--;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[w] = (linearized[w] as number) & ~bit;
      }
      entry = entry.next;
    } else {
      // A return before its call was placed: backtrack.
      if (stuckAt < 0 || stack.length > stuckPrefix.length) {
        stuckAt = entry.op;
        stuckPrefix = stack.map((x) => x.entry.op);
      }
      if (stack.length === 0) break;
      const top = stack.pop() as { entry: Entry; state: KvValue };
      const h = ops[top.entry.op] as HistoryOp;
      if (h.outcome !== "info") remaining++;
      state = top.state;
      linearized[top.entry.op >>> 5] = (linearized[top.entry.op >>> 5] as number) & ~(1 << (top.entry.op & 31));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  if (remaining === 0) return { verdict: "ok", message: `key ${key}: linearizable`, key };
  return explainViolation(key, ops, stuckAt, stuckPrefix);
}

function describe(h: HistoryOp): string {
  const o = h.op;
  const arg =
    o.f === "read"
      ? ""
      : o.f === "cas"
        ? ` ${JSON.stringify(o.expected)}->${JSON.stringify(o.value)}`
        : ` ${JSON.stringify(o.value)}`;
  const res = h.outcome === "ok" && (o.f === "read" || o.f === "cas") ? ` = ${JSON.stringify(h.result)}` : "";
  const end = h.completeMicros === null ? "?" : String(h.completeMicros);
  return `${h.client} r${h.requestId} ${o.f}${arg}${res} [${h.invokeMicros}us..${end}us, ${h.outcome}]`;
}

function explainViolation(
  key: string,
  ops: readonly HistoryOp[],
  stuckAt: number,
  prefix: readonly number[],
): Omit<LinearizabilityResult, "explored"> {
  const stuck = stuckAt >= 0 ? (ops[stuckAt] as HistoryOp) : null;
  if (stuck === null) return { verdict: "violation", message: `key ${key}: not linearizable`, key, ops: [] };
  // The tail of the longest valid order, plus the ops overlapping the one that cannot be placed, explain the failure.
  const tail = prefix.slice(-4).map((i) => ops[i] as HistoryOp);
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
    `key ${key}: not linearizable: ${describe(stuck)} cannot take effect in any order of the ops before it; ` +
    `the longest valid order has ${prefix.length} ` +
    `ops${tail.length > 0 ? `, ending ${tail.map(describe).join("; ")}` : ""}` +
    (around.length > 0 ? `; concurrent with it: ${around.map(describe).join("; ")}` : "");
  return { verdict: "violation", message, key, ops: [stuck, ...tail, ...around].map((h) => h.requestId) };
}
