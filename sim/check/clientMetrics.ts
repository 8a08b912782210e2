/**
 * What clients saw, measured from the history of a run (any protocol that serves the key-value workload):
 *
 * - availability per service (the client's datacenter x reads or writes): the share of completed ops that succeeded,
 *   and the uptime ratio. A service is down from the invocation of an op that failed or timed out until the completion
 *   of the first op invoked after it that succeeded (to the end of the run if none did); uptime is the observed time
 *   (first invocation to the end) minus the union of those intervals, over the observed time.
 * - the consistency ratio of reads: ok reads that saw the latest acknowledged value / ok reads. A read is consistent
 *   when it shows a write that could be the latest one when it ran: invoked before the read completed, and not
 *   followed, before the read was invoked, by another write invoked after it was acknowledged (see readIsConsistent).
 *   Every read of a linearizable history is consistent; a stale read (a follower's, an async backup's) is not.
 * - latency of ok ops by class (read, write), p50 / p99 / max.
 */
import { assert } from "../core/assert.ts";
import { percentileOf } from "../core/metrics.ts";
import type { KvOp } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import type { HistoryOp } from "./history.ts";

export type OpClass = "read" | "write";

export interface ServiceAvailability {
  /** `<dc> reads` or `<dc> writes`. */
  service: string;
  dc: string;
  opClass: OpClass;
  completed: number;
  ok: number;
  /** ok / completed. */
  okRatio: number;
  /** 1 - down time / observed time (see above). */
  uptimeRatio: number;
  downMicros: Micros;
}

export interface LatencySummary {
  opClass: OpClass;
  n: number;
  p50: Micros;
  p99: Micros;
  max: Micros;
}

export interface ClientMetrics {
  availability: ServiceAvailability[];
  /** null when no read succeeded. */
  consistency: { reads: number; consistent: number; ratio: number } | null;
  latency: LatencySummary[];
}

export function opClass(op: KvOp): OpClass {
  return op.f === "read" ? "read" : "write";
}

/**
 * Client metrics of a history. `dcOf` gives a client's datacenter; `endMicros` is when the run ended (an op still
 * failing then leaves its service down to the end).
 */
export function clientMetrics(
  history: readonly HistoryOp[],
  dcOf: (client: string) => string,
  endMicros: Micros,
): ClientMetrics {
  const byService = new Map<string, HistoryOp[]>();
  const services: { key: string; dc: string; cls: OpClass }[] = [];
  for (const h of history) {
    const dc = dcOf(h.client);
    const cls = opClass(h.op);
    const key = `${dc} ${cls}s`;
    let list = byService.get(key);
    if (list === undefined) {
      list = [];
      byService.set(key, list);
      services.push({ key, dc, cls });
    }
    list.push(h);
  }
  services.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const availability = services.map((s) =>
    serviceAvailability(s.key, s.dc, s.cls, byService.get(s.key) ?? [], endMicros),
  );
  const latency: LatencySummary[] = [];
  for (const cls of ["read", "write"] as const) {
    const lat = history
      .filter((h) => h.outcome === "ok" && h.completeMicros !== null && opClass(h.op) === cls)
      .map((h) => (h.completeMicros as number) - h.invokeMicros)
      .sort((a, b) => a - b);
    if (lat.length > 0) {
      latency.push({
        opClass: cls,
        n: lat.length,
        p50: percentileOf(lat, 0.5),
        p99: percentileOf(lat, 0.99),
        max: lat[lat.length - 1] as number,
      });
    }
  }
  return { availability, consistency: readConsistency(history), latency };
}

function serviceAvailability(
  service: string,
  dc: string,
  cls: OpClass,
  ops: readonly HistoryOp[],
  endMicros: Micros,
): ServiceAvailability {
  assert(ops.length > 0, () => `service ${service} has ops`);
  const completed = ops.length;
  const ok = ops.filter((h) => h.outcome === "ok").length;
  const start = Math.min(...ops.map((h) => h.invokeMicros));
  const end = Math.max(endMicros, start);
  // Ok ops by invocation time, to find the first success invoked at or after each failure.
  const oks = ops
    .filter((h) => h.outcome === "ok" && h.completeMicros !== null)
    .sort((a, b) => a.invokeMicros - b.invokeMicros || (a.completeMicros as number) - (b.completeMicros as number));
  // The earliest completion among oks invoked at or after index i (suffix minimum).
  const suffixDone = new Array<number>(oks.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = oks.length - 1; i >= 0; i--) {
    suffixDone[i] = Math.min(suffixDone[i + 1] as number, (oks[i] as HistoryOp).completeMicros as number);
  }
  const intervals: [number, number][] = [];
  for (const f of ops) {
    if (f.outcome === "ok") continue;
    let lo = 0;
    let hi = oks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((oks[mid] as HistoryOp).invokeMicros < f.invokeMicros) lo = mid + 1;
      else hi = mid;
    }
    const upAgain = Math.min(suffixDone[lo] as number, end);
    if (upAgain > f.invokeMicros) intervals.push([f.invokeMicros, upAgain]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let down = 0;
  let curLo = -1;
  let curHi = -1;
  for (const [lo, hi] of intervals) {
    if (lo > curHi) {
      down += curHi - curLo;
      curLo = lo;
      curHi = hi;
    } else curHi = Math.max(curHi, hi);
  }
  down += curHi - curLo;
  const observed = end - start;
  const uptimeRatio = observed > 0 ? Math.max(0, 1 - down / observed) : ok === completed ? 1 : 0;
  assert(down >= 0 && down <= Math.max(observed, 0), () => `service ${service}: down ${down}us of ${observed}us`);
  return { service, dc, opClass: cls, completed, ok, okRatio: ok / completed, uptimeRatio, downMicros: down };
}

interface Write {
  value: string;
  invoke: Micros;
  /** Acknowledgement time; null when the write was not acknowledged (it may or may not have taken effect). */
  acked: Micros | null;
  append: boolean;
}

/** A key's writes: by value (the workload's values are unique), and the acknowledged ones by acknowledgement time. */
interface KeyWrites {
  byValue: Map<string, Write>;
  /** Acknowledgement times, ascending, and the latest invocation among the writes acknowledged up to each. */
  ackedAt: number[];
  maxInvokeUpTo: number[];
}

/** Writes per key, for the consistency ratio. A failed write or a cas that did not apply never took effect. */
function writesByKey(history: readonly HistoryOp[]): Map<string, KeyWrites> {
  const lists = new Map<string, Write[]>();
  for (const h of history) {
    const op = h.op;
    if (op.f === "read" || h.outcome === "fail") continue;
    if (op.f === "cas" && h.outcome === "ok" && h.result !== true) continue;
    const w: Write = {
      value: op.value,
      invoke: h.invokeMicros,
      acked: h.outcome === "ok" ? h.completeMicros : null,
      append: op.f === "append",
    };
    const list = lists.get(op.key);
    if (list === undefined) lists.set(op.key, [w]);
    else list.push(w);
  }
  const out = new Map<string, KeyWrites>();
  for (const [key, list] of lists) {
    const acked = list.filter((w) => w.acked !== null).sort((a, b) => (a.acked as number) - (b.acked as number));
    const maxInvokeUpTo: number[] = [];
    let m = Number.NEGATIVE_INFINITY;
    for (const w of acked) {
      m = Math.max(m, w.invoke);
      maxInvokeUpTo.push(m);
    }
    out.set(key, {
      byValue: new Map(list.map((w) => [w.value, w])),
      ackedAt: acked.map((w) => w.acked as number),
      maxInvokeUpTo,
    });
  }
  return out;
}

function readConsistency(history: readonly HistoryOp[]): ClientMetrics["consistency"] {
  const writes = writesByKey(history);
  let reads = 0;
  let consistent = 0;
  for (const r of history) {
    if (r.op.f !== "read" || r.outcome !== "ok" || r.completeMicros === null) continue;
    reads++;
    if (readIsConsistent(r, r.completeMicros, writes.get(r.op.key))) consistent++;
  }
  if (reads === 0) return null;
  assert(consistent <= reads, "consistent reads are reads");
  return { reads, consistent, ratio: consistent / reads };
}

/** Parts of a read value checked for the write it shows: the head, and the last few (where recent appends are). */
const TAIL_PARTS = 16;

/**
 * A write W is superseded for read R when another write was invoked after W was acknowledged and was itself
 * acknowledged before R was invoked: W then certainly precedes a write that precedes R. R is consistent when it shows
 * a write that is not superseded and was invoked before R completed (or the initial value, when no write was
 * acknowledged before R was invoked). A write shows as the value itself or the head of it (appends followed), an
 * append as one of its comma-separated parts.
 */
function readIsConsistent(r: HistoryOp, readDone: Micros, writes: KeyWrites | undefined): boolean {
  const value = r.result;
  // The latest invocation among writes acknowledged before the read was invoked (-inf: none was).
  let latestInvoke = Number.NEGATIVE_INFINITY;
  if (writes !== undefined) {
    let lo = 0;
    let hi = writes.ackedAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((writes.ackedAt[mid] as number) < r.invokeMicros) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) latestInvoke = writes.maxInvokeUpTo[lo - 1] as number;
  }
  if (value === null || value === undefined) return latestInvoke === Number.NEGATIVE_INFINITY;
  if (typeof value !== "string" || writes === undefined) return false;
  const parts = value.split(",");
  const candidates = new Set([parts[0] as string, ...parts.slice(Math.max(1, parts.length - TAIL_PARTS))]);
  for (const part of candidates) {
    const w = writes.byValue.get(part);
    if (w === undefined || w.invoke >= readDone) continue;
    if (w.acked !== null && w.acked < latestInvoke) continue;
    if (w.append ? parts.includes(w.value) : parts[0] === w.value) return true;
  }
  return false;
}
