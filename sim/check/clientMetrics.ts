/**
 * What clients saw, measured from the history of a run (any protocol that serves the key-value workload):
 *
 * - availability per service (the client's datacenter x reads or writes): the share of completed ops that succeeded,
 *   and the uptime ratio. A service is down from the invocation of an op that failed or timed out until the completion
 *   of the first op invoked after it that succeeded (to the end of the run if none did); uptime is the observed time
 *   (first invocation to the end) minus the union of those intervals, over the observed time.
 * - the consistency ratio of reads: ok reads that saw the latest acknowledged value / ok reads. A read is consistent
 *   when it returns the value of the last write acknowledged before it was invoked, or of a write that may be ordered
 *   after that one (invoked before the read completed and not acknowledged before the read was invoked). For appends,
 *   a read is consistent when it contains every append acknowledged before it was invoked.
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

/** Writes per key, for the consistency ratio. A failed write or a cas that did not apply never took effect. */
function writesByKey(history: readonly HistoryOp[]): Map<string, Write[]> {
  const out = new Map<string, Write[]>();
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
    const list = out.get(op.key);
    if (list === undefined) out.set(op.key, [w]);
    else list.push(w);
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
    if (readIsConsistent(r, r.completeMicros, writes.get(r.op.key) ?? [])) consistent++;
  }
  if (reads === 0) return null;
  assert(consistent <= reads, "consistent reads are reads");
  return { reads, consistent, ratio: consistent / reads };
}

/**
 * Does a read's value show write `w`? A write or cas shows as the value itself, or as its head when appends followed
 * (`<w>,<a1>,<a2>`); an append shows as one of the value's comma-separated parts.
 */
function shows(parts: readonly string[], w: Write): boolean {
  return w.append ? parts.includes(w.value) : parts[0] === w.value;
}

function readIsConsistent(r: HistoryOp, readDone: Micros, writes: readonly Write[]): boolean {
  const value = r.result;
  let latest: Write | null = null;
  for (const w of writes) {
    if (w.acked !== null && w.acked < r.invokeMicros && (latest === null || w.acked > (latest.acked as number)))
      latest = w;
  }
  const parts = typeof value === "string" ? value.split(",") : [];
  if (latest === null ? value === null || value === undefined : shows(parts, latest)) return true;
  // A write that may be ordered after the latest acknowledged one: not acknowledged before the read began.
  return writes.some((w) => w.invoke < readDone && (w.acked === null || w.acked >= r.invokeMicros) && shows(parts, w));
}
