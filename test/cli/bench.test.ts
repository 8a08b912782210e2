import { describe, expect, it } from "vitest";
import type { BenchResult } from "../../sim/cli/bench/benchRunner.ts";
import { formatBenchTable } from "../../sim/cli/bench/benchTable.ts";
import { againstBare, comparePairs, formatComparisonTable, medianRun } from "../../sim/cli/commands/bench.ts";

function result(eventsPerSecond: number, events = 1000): BenchResult {
  return {
    name: "w",
    events,
    eventsPerSecond,
    traced: true,
    wallMs: Math.round((events / eventsPerSecond) * 1000),
    simulatedSeconds: 1,
    simulatedSecondsPerWallSecond: 1,
    heapMB: 1,
    traceEvents: events,
    clientOpsPerSimSecond: 0,
  };
}

describe("bench runs", () => {
  it("reports the median run, with every run's events/s in run order", () => {
    const m = medianRun("w", [result(3e6), result(1e6), result(2e6)]);
    expect(m.eventsPerSecond).toBe(2e6);
    expect(m.wallMs).toBe(result(2e6).wallMs); // the whole result is the median run's, not a mix
    expect(m.runs).toEqual([3e6, 1e6, 2e6]);
  });

  it("takes the lower middle run of an even count, and the only run of one", () => {
    expect(medianRun("w", [result(4e6), result(1e6), result(3e6), result(2e6)]).eventsPerSecond).toBe(2e6);
    expect(medianRun("w", [result(5e6)]).eventsPerSecond).toBe(5e6);
  });

  it("refuses runs that processed different numbers of events (not deterministic)", () => {
    expect(() => medianRun("w", [result(1e6, 10), result(1e6, 11)])).toThrow(/different numbers of events \(10, 11\)/);
  });

  it("shows the runs' range in the table", () => {
    const table = formatBenchTable([medianRun("w", [result(2.5e6), result(2.1e6), result(2.3e6)]), result(1e6)]);
    expect(table).toMatch(/^w +1000 +2\.30M +2\.10M-2\.50M +yes/m);
    expect(table.split("\n")[3]).toMatch(/^w +1000 +1\.00M +- +yes/);
  });
});

describe("ping-5 against its yardstick", () => {
  it("gives ping-5's share of ping-5-bare's events/s when both ran, and nothing otherwise", () => {
    const named = (name: string, eps: number) => ({ ...result(eps), name });
    expect(againstBare([named("ping-5", 1e6), named("ping-5-bare", 2.5e6)])).toMatch(
      /^ping-5 ran at 0\.40 of ping-5-bare's events\/s/,
    );
    expect(againstBare([named("ping-5", 1e6)])).toBeNull();
    expect(againstBare([named("ping-5-bare", 1e6)])).toBeNull();
  });
});

describe("bench --against", () => {
  it("takes each pair's ratio and their median, and counts the pairs this checkout won", () => {
    const c = comparePairs("w", [result(2e6), result(1e6), result(3e6)], [result(1e6), result(2e6), result(2e6)]);
    expect(c.ratios).toEqual([2, 0.5, 1.5]);
    expect(c.ratio).toBe(1.5);
    expect(c.faster).toBe(2);
    expect(c.ours.eventsPerSecond).toBe(2e6); // each side's own median run
    expect(c.theirs.eventsPerSecond).toBe(2e6);
    // An even count: the mean of the middle two ratios.
    expect(comparePairs("w", [result(1e6), result(3e6)], [result(1e6), result(1e6)]).ratio).toBe(2);
  });

  it("refuses unpaired runs", () => {
    expect(() => comparePairs("w", [result(1e6)], [])).toThrow(/1 runs against 0/);
    expect(() => comparePairs("w", [], [])).toThrow(/at least one/);
  });

  it("shows both sides, the ratio, and the pairs won in the table", () => {
    const table = formatComparisonTable(
      [comparePairs("w", [result(2e6), result(1e6), result(3e6)], [result(1e6), result(2e6), result(2e6)])],
      "there",
    );
    expect(table.split("\n")[0]).toMatch(
      /^workload +this events\/s +there events\/s +ratio +pairs faster +pair ratios$/,
    );
    expect(table.split("\n")[2]).toMatch(/^w +2\.00M +2\.00M +1\.500 +2 of 3 +0\.50-2\.00$/);
  });
});

describe("ping-5-bare, the yardstick beside ping-5", () => {
  it(
    "does ping-5's work: about as many events and trace " + "rows in the same simulated time, the same each run",
    async () => {
      const { runBarePing } = await import("../../bench/workloads/bare.ts");
      const { pingScenario } = await import("../../bench/workloads/ping.ts");
      const { runScenario } = await import("../../sim/world/simulation.ts");
      const { registry } = await import("../../protocols/index.ts");
      const duration = 60_000_000;
      const bare = runBarePing(duration);
      const engine = runScenario(pingScenario(duration, true), { registry, sink: "record" });
      expect(Math.abs(bare.events / engine.events - 1)).toBeLessThan(0.05);
      expect(Math.abs(bare.traceEvents / (engine.trace?.count ?? 0) - 1)).toBeLessThan(0.05);
      expect(runBarePing(duration)).toEqual(bare);
    },
  );
});
