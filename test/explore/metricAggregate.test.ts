import { describe, expect, it } from "vitest";
import {
  addRunValues,
  aggregatePercentile,
  aggregateRows,
  type MetricAggregates,
  mergeAggregates,
} from "../../sim/explore/metricAggregate.ts";

function aggregate(values: number[], file = "f.yaml"): MetricAggregates {
  const aggs: MetricAggregates = {};
  for (const v of values) addRunValues(aggs, file, { rpo: [v, "count"] });
  return aggs;
}

describe("metrics over the seeds of a sweep", () => {
  it("gives the exact mean and a p99 within 1% of the exact one", () => {
    // 1000 runs with values 1..1000: the exact p99 (nearest rank) is 990.
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const [row] = aggregateRows(aggregate(values), ["f.yaml"]);
    expect(row?.mean).toBe(500.5);
    expect(row?.min).toBe(1);
    expect(row?.max).toBe(1000);
    expect(Math.abs((row?.p99 as number) - 990) / 990).toBeLessThan(0.01);
  });

  it("takes zeros and negative values in order", () => {
    const a = aggregate([-50, -5, 0, 0, 3, 40])["f.yaml"]?.rpo;
    expect(a).toBeDefined();
    if (a === undefined) return;
    expect(aggregatePercentile(a, 0)).toBe(-50);
    expect(Math.abs(aggregatePercentile(a, 2 / 6) - -5)).toBeLessThan(0.05);
    expect(aggregatePercentile(a, 0.5)).toBe(0);
    expect(Math.abs(aggregatePercentile(a, 5 / 6) - 3)).toBeLessThan(0.03);
    expect(aggregatePercentile(a, 1)).toBe(40);
  });

  it("merges shard aggregates into what one sweep of every seed gives", () => {
    const values = Array.from({ length: 300 }, (_, i) => (i * 7919) % 1000);
    const whole = aggregate(values);
    const merged: MetricAggregates = {};
    mergeAggregates(merged, aggregate(values.slice(0, 100)));
    mergeAggregates(merged, aggregate(values.slice(100)));
    expect(merged).toEqual(whole);
  });
});
