/**
 * Metrics over the seeds of a sweep: each run gives one number per metric key (its RPO, its p99 lag, its read
 * availability), and the sweep keeps, per scenario file and key, the count, sum, min, max and a log-bucketed
 * histogram (relative error under 1%, DDSketch-style), so the mean is exact, the p99 over seeds is within 1%, and shard
 * reports merge by adding buckets. Deterministic: the buckets depend only on the values.
 */
import { assert } from "../core/assert.ts";
import type { MetricSummary, MetricUnit } from "../core/metrics.ts";
import type { RunResult } from "../world/result.ts";

/** Bucket growth: bucket i holds (GAMMA^(i-1), GAMMA^i]; a value is reported as its bucket's midpoint-ish bound. */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

export interface MetricAggregate {
  unit: MetricUnit;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Values equal to 0. */
  zero: number;
  /** Bucket index -> count, for positive values and (mirrored) negative ones. */
  pos: Record<string, number>;
  neg: Record<string, number>;
}

/** file -> metric key -> aggregate. */
export type MetricAggregates = Record<string, Record<string, MetricAggregate>>;

function keyOf(s: MetricSummary): string {
  return s.label === null ? s.name : `${s.name}[${s.label}]`;
}

/**
 * The numbers one run contributes, by key: each protocol series (a counter's sum; a sample's p50, p99 and max; a
 * gauge's last value and max), the clients' availability and uptime per service, the read consistency ratio, latency
 * p50 and p99 per class, and bytes across datacenters.
 */
export function runMetricValues(r: RunResult): RunMetricValues {
  const out: RunMetricValues = {};
  for (const s of r.protocolMetrics) {
    const k = keyOf(s);
    const u = s.unit;
    switch (s.kind) {
      case "counter":
        out[k] = [s.sum, u];
        break;
      case "sample":
        out[`${k}.p50`] = [s.p50, u];
        out[`${k}.p99`] = [s.p99, u];
        out[`${k}.max`] = [s.max, u];
        break;
      case "gauge":
        out[`${k}.last`] = [s.last, u];
        out[`${k}.max`] = [s.max, u];
        break;
    }
  }
  out[`${GENERIC}network.cross-dc-bytes`] = [r.messages.crossDcBytes, "bytes"];
  if (r.clientOps.invoked > 0) {
    const c = r.clientMetrics;
    for (const a of c.availability) {
      out[`${GENERIC}clients.ok-ratio[${a.service}]`] = [a.okRatio, "ratio"];
      out[`${GENERIC}clients.uptime[${a.service}]`] = [a.uptimeRatio, "ratio"];
    }
    if (c.consistency !== null) out[`${GENERIC}clients.consistency`] = [c.consistency.ratio, "ratio"];
    for (const l of c.latency) {
      out[`${GENERIC}clients.latency.${l.opClass}.p50`] = [l.p50, "micros"];
      out[`${GENERIC}clients.latency.${l.opClass}.p99`] = [l.p99, "micros"];
    }
  }
  return out;
}

/** Keys of the metrics every run has (not the protocol's own) start with this. */
export const GENERIC = "~";

/** A run's values by key, each with its unit. */
export type RunMetricValues = Record<string, [number, MetricUnit]>;

function bucketOf(v: number): number {
  return Math.ceil(Math.log(v) / LOG_GAMMA);
}

/** Add one run's values for `file`. */
export function addRunValues(into: MetricAggregates, file: string, values: RunMetricValues): void {
  const byKey = into[file] ?? {};
  into[file] = byKey;
  for (const [key, [v, unit]] of Object.entries(values)) {
    if (!Number.isFinite(v)) assert(false, () => `metric ${key}: ${v} is not a finite number`);
    const a = byKey[key] ?? { unit, count: 0, sum: 0, min: v, max: v, zero: 0, pos: {}, neg: {} };
    byKey[key] = a;
    a.count++;
    a.sum += v;
    a.min = Math.min(a.min, v);
    a.max = Math.max(a.max, v);
    if (v === 0) a.zero++;
    else {
      const side = v > 0 ? a.pos : a.neg;
      const b = String(bucketOf(Math.abs(v)));
      side[b] = (side[b] ?? 0) + 1;
    }
  }
}

/** Add `from` into `into` (shard reports into the whole sweep's). */
export function mergeAggregates(into: MetricAggregates, from: MetricAggregates): void {
  for (const [file, byKey] of Object.entries(from)) {
    const target = into[file] ?? {};
    into[file] = target;
    for (const [key, a] of Object.entries(byKey)) {
      const t = target[key];
      if (t === undefined) {
        target[key] = { ...a, pos: { ...a.pos }, neg: { ...a.neg } };
        continue;
      }
      t.count += a.count;
      t.sum += a.sum;
      t.min = Math.min(t.min, a.min);
      t.max = Math.max(t.max, a.max);
      t.zero += a.zero;
      for (const [b, n] of Object.entries(a.pos)) t.pos[b] = (t.pos[b] ?? 0) + n;
      for (const [b, n] of Object.entries(a.neg)) t.neg[b] = (t.neg[b] ?? 0) + n;
    }
  }
}

/** The value at rank p (0..1) over the seeds, within 1% (clamped to the exact min and max). */
export function aggregatePercentile(a: MetricAggregate, p: number): number {
  assert(a.count > 0 && p >= 0 && p <= 1, () => `percentile ${p} of ${a.count} values`);
  const rank = Math.max(1, Math.ceil(p * a.count));
  if (rank === a.count) return a.max;
  if (rank === 1) return a.min;
  // Ascending: the most negative bucket first, then zeros, then positive buckets.
  const neg = Object.entries(a.neg)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((x, y) => y[0] - x[0]);
  const pos = Object.entries(a.pos)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((x, y) => x[0] - y[0]);
  let seen = 0;
  const clamp = (v: number) => Math.min(a.max, Math.max(a.min, v));
  // A bucket's representative value: the geometric middle of (GAMMA^(b-1), GAMMA^b].
  const mid = (b: number) => GAMMA ** (b - 0.5);
  for (const [b, n] of neg) {
    seen += n;
    if (seen >= rank) return clamp(-mid(b));
  }
  seen += a.zero;
  if (seen >= rank) return clamp(0);
  for (const [b, n] of pos) {
    seen += n;
    if (seen >= rank) return clamp(mid(b));
  }
  return a.max;
}

export interface AggregateRow {
  file: string;
  key: string;
  unit: MetricUnit;
  runs: number;
  mean: number;
  p99: number;
  min: number;
  max: number;
}

/** One row per file and key, keys sorted within a file, files in the given order. */
export function aggregateRows(aggs: MetricAggregates, files: readonly string[]): AggregateRow[] {
  const rows: AggregateRow[] = [];
  for (const file of files) {
    const byKey = aggs[file];
    if (byKey === undefined) continue;
    for (const key of Object.keys(byKey).sort()) {
      const a = byKey[key] as MetricAggregate;
      const p99 = aggregatePercentile(a, 0.99);
      rows.push({ file, key, unit: a.unit, runs: a.count, mean: a.sum / a.count, p99, min: a.min, max: a.max });
    }
  }
  return rows;
}
