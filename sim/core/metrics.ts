/**
 * Protocol metrics: what a protocol measures about itself (replication lag, keys moved, bytes stored, RPO), declared
 * once and recorded through `ctx.metric(name, value, label)` by a node, or by an observer (protocol.ts) that sees every
 * node. The engine keeps each (name, label) series, writes every sample into the trace (`metric` events, which the
 * viewer charts), and summarises them in the run result; sweeps aggregate the summaries over seeds.
 */
import { assert } from "./assert.ts";

/**
 * - counter: amounts that add up (bytes moved, conflicts resolved); the summary is their sum.
 * - sample: one observation of a distribution (a lag, a latency); the summary gives p50, p99, max, mean.
 * - gauge: a level at a time (keys held, backlog); the summary gives the last value and the max.
 */
export const METRIC_KINDS = ["counter", "sample", "gauge"] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/** Units a summary knows how to print: micros as durations, bytes with a binary prefix, ratio as a percentage. */
export const METRIC_UNITS = ["micros", "bytes", "count", "ratio"] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export interface MetricSpec {
  /** Dotted lower-case words: `lag`, `rpo.writes`, `rebalance.keys-moved`. */
  name: string;
  kind: MetricKind;
  unit: MetricUnit;
  description: string;
  /** What the label names, when samples carry one ("backup", "region pair", "mode"). */
  label?: string;
}

/** The summary of one (name, label) series over a run. */
export interface MetricSummary {
  name: string;
  /** null: recorded without a label. */
  label: string | null;
  kind: MetricKind;
  unit: MetricUnit;
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
  /** The last value recorded (for gauges: the level at the end). */
  last: number;
}

const NAME = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;

/** Throws on a spec list a protocol must not declare (bad names, a name twice). Run by the registry. */
export function checkMetricSpecs(protocol: string, specs: readonly MetricSpec[]): void {
  const seen = new Set<string>();
  for (const s of specs) {
    assert(NAME.test(s.name), () => `protocol ${protocol}: metric name "${s.name}" is not dotted lower-case words`);
    assert(!seen.has(s.name), () => `protocol ${protocol}: metric "${s.name}" declared twice`);
    assert(s.description.length > 0, () => `protocol ${protocol}: metric "${s.name}" has no description`);
    seen.add(s.name);
  }
}

/** The value at rank p (0..1) of an ascending list: the nearest-rank percentile (0 for an empty list). */
export function percentileOf(sorted: readonly number[], p: number): number {
  assert(p >= 0 && p <= 1, () => `percentile ${p} is not in [0, 1]`);
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] as number;
}

/** Summarise one series (values in recording order). */
export function summariseSeries(spec: MetricSpec, label: string | null, values: readonly number[]): MetricSummary {
  assert(values.length > 0, () => `metric ${spec.name}: a series is summarised only once it has a value`);
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of values) sum += v;
  const summary: MetricSummary = {
    name: spec.name,
    label,
    kind: spec.kind,
    unit: spec.unit,
    count: values.length,
    sum,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: sum / values.length,
    p50: percentileOf(sorted, 0.5),
    p99: percentileOf(sorted, 0.99),
    last: values[values.length - 1] as number,
  };
  assert(summary.min <= summary.p50 && summary.p50 <= summary.p99 && summary.p99 <= summary.max, "ordered summary");
  return summary;
}

/** The one number a summary stands for: a counter's sum, a gauge's last value, a sample's p50. */
export function headlineValue(s: MetricSummary): number {
  switch (s.kind) {
    case "counter":
      return s.sum;
    case "gauge":
      return s.last;
    case "sample":
      return s.p50;
  }
}
