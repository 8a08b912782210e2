/**
 * Synthetic register histories of a chosen shape, for the checker's benchmarks and tests: closed-loop clients on a
 * key-value store, each op taking effect at a random point between its invocation and completion, so the history is
 * linearizable by construction; `violation: true` then makes one read return a value it cannot have seen. Values come
 * from a small domain (0..domain-1, as Jepsen's etcd test's 0..4), so states recur as in real histories.
 * Deterministic: a seeded xorshift generator, no clock.
 */
import type { KvOp } from "../core/protocol.ts";
import type { HistoryOp } from "./history.ts";

export interface HistoryShape {
  ops: number;
  clients: number;
  keys: number;
  /** Distinct values written (default 5). */
  domain?: number;
  /** Share of ops that end indeterminate (info); default 0.02. */
  infoRate?: number;
  violation: boolean;
  seed: number;
}

interface Planned {
  client: number;
  process: number;
  op: KvOp;
  invoke: number;
  complete: number;
  at: number;
  info: boolean;
  applied: boolean;
  result: unknown;
}

function rng(seed: number): () => number {
  let s = seed | 0 || 0x2545f491;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function plan(shape: HistoryShape, rnd: () => number): Planned[] {
  const domain = shape.domain ?? 5;
  const infoRate = shape.infoRate ?? 0.02;
  const next = Array.from({ length: shape.clients }, () => Math.floor(rnd() * 100));
  const process = Array.from({ length: shape.clients }, (_, c) => c);
  let nextProcess = shape.clients;
  const out: Planned[] = [];
  for (let i = 0; i < shape.ops; i++) {
    // The client whose next op starts first (closed loop: one op at a time per client).
    let c = 0;
    for (let j = 1; j < shape.clients; j++) if ((next[j] as number) < (next[c] as number)) c = j;
    const invoke = next[c] as number;
    const latency = 10 + Math.floor(rnd() * 200);
    const key = `k${Math.floor(rnd() * shape.keys)}`;
    const v = String(Math.floor(rnd() * domain));
    const roll = rnd();
    const op: KvOp =
      roll < 0.5
        ? { f: "read", key }
        : roll < 0.75
          ? { f: "write", key, value: v }
          : { f: "cas", key, expected: String(Math.floor(rnd() * domain)), value: v };
    const info = rnd() < infoRate;
    const at = invoke + rnd() * latency;
    out.push({
      client: c,
      process: process[c] as number,
      op,
      invoke,
      complete: invoke + latency,
      at,
      info,
      applied: !info || rnd() < 0.5,
      result: null,
    });
    if (info) process[c] = nextProcess++;
    next[c] = invoke + latency + 1 + Math.floor(rnd() * 20);
  }
  return out;
}

/** Apply every applied op at its point in time, in time order, recording results. */
function apply(planned: Planned[]): void {
  const values = new Map<string, string | null>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    if (!p.applied) continue;
    const cur = values.get(p.op.key) ?? null;
    if (p.op.f === "read") p.result = cur;
    else if (p.op.f === "write") values.set(p.op.key, p.op.value);
    else if (p.op.f === "cas") {
      p.result = cur === p.op.expected;
      if (p.result) values.set(p.op.key, p.op.value);
    }
  }
}

const writes = (p: Planned): string | null =>
  p.op.f === "write" || (p.op.f === "cas" && (p.info || p.result === true)) ? p.op.value : null;

/**
 * Make one ok read return a value it cannot have seen: W wrote w and completed before the read began, so some op
 * writing v must fall after W and before the read ends; pick a v no such op writes. Reads from the middle on; when
 * no read has such a v (indeterminate writes of every value still in flight), the last read returns a value outside
 * the domain.
 */
function corrupt(planned: Planned[], domain: number): void {
  const reads = planned.filter((p) => p.op.f === "read" && !p.info);
  for (let i = reads.length >> 1; i < reads.length; i++) {
    const r = reads[i] as Planned;
    const same = planned.filter((p) => p.op.key === r.op.key && writes(p) !== null);
    const done = same.filter((p) => !p.info && p.complete < r.invoke);
    if (done.length === 0) continue;
    const w = done.reduce((a, b) => (b.invoke > a.invoke ? b : a));
    for (let v = 0; v < domain; v++) {
      const value = String(v);
      if (value === writes(w)) continue;
      const later = same.some((x) => writes(x) === value && (x.info || x.complete > w.invoke) && x.invoke < r.complete);
      if (!later) {
        r.result = value;
        return;
      }
    }
  }
  // Every value may still be in flight (an indeterminate write never ends): read one nobody wrote instead.
  const last = reads.at(-1);
  if (last === undefined) throw new Error("historyGenerator: no read to corrupt (too few ops for a violation)");
  last.result = String(domain);
}

/** A history of the given shape; request ids in invocation order. */
export function generateHistory(shape: HistoryShape): HistoryOp[] {
  const rnd = rng(shape.seed);
  const planned = plan(shape, rnd);
  apply(planned);
  if (shape.violation) corrupt(planned, shape.domain ?? 5);
  return planned.map((p, i) => ({
    process: p.process,
    client: `c${p.client}`,
    requestId: i,
    op: p.op,
    invokeMicros: p.invoke,
    completeMicros: p.info ? null : p.complete,
    outcome: p.info ? "info" : "ok",
    result: p.info ? null : p.result,
  }));
}
