import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { InvariantContext } from "../../sim/core/protocol.ts";
import { LivenessWatch } from "../../sim/check/liveness.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { registry } from "../../protocols/index.ts";

const ctx = {} as InvariantContext<unknown>;

/** A watch on one condition, "up", that holds from `holdsFrom` on; faults stop at `quiet`, window 100us. */
function watch(quiet: number, holdsFrom: number) {
  let now = 0;
  const w = new LivenessWatch(
    { require: ["up"], windowMicros: 100 },
    [{ name: "up", description: "", holds: () => now >= holdsFrom }],
    quiet,
    () => -1,
  );
  const misses: string[] = [];
  const pollUntil = (end: number) => {
    for (now = 0; now <= end; now += w.pollMicros) misses.push(...w.poll(now, ctx).map((m) => m.name));
  };
  return { w, misses, pollUntil };
}

describe("liveness verdicts", () => {
  it("is ok when every condition held within the window after faults stopped", () => {
    const { w, misses, pollUntil } = watch(5_000, 5_050);
    pollUntil(20_000);
    expect(misses).toEqual([]);
    expect(w.verdict(20_000)).toMatchObject({ verdict: "ok", quietAtMicros: 5_000 });
  });

  it("reports a condition that did not hold within the window once, and the verdict is violated", () => {
    const { w, misses, pollUntil } = watch(5_000, 1e12);
    pollUntil(20_000);
    expect(misses).toEqual(["up"]);
    expect(w.verdict(20_000).verdict).toBe("violated");
  });

  it("checked nothing when faults never stopped, or stop only at or after the end: unchecked, not ok", () => {
    const never = watch(Number.POSITIVE_INFINITY, 0);
    never.pollUntil(20_000);
    expect(never.w.verdict(20_000)).toMatchObject({ verdict: "unchecked", quietAtMicros: null });
    expect(never.w.verdict(20_000).message).toMatch(/faults never stopped/);
    const late = watch(30_000, 0);
    late.pollUntil(20_000);
    expect(late.w.verdict(20_000)).toMatchObject({ verdict: "unchecked", quietAtMicros: 30_000 });
    expect(late.w.verdict(20_000).message).toMatch(/faults stop at 30000us, not before the run's end at 20000us/);
  });

  it("is undecided when the run ended inside the window before a condition was seen holding", () => {
    const { w, misses, pollUntil } = watch(19_000, 1e12);
    pollUntil(19_050);
    expect(misses).toEqual([]);
    expect(w.verdict(19_050)).toMatchObject({ verdict: "undecided", quietAtMicros: 19_000 });
    expect(w.verdict(19_050).message).toMatch(/up not seen holding when the run ended at 19050us/);
  });
});

describe("liveness in a run", () => {
  const demo = parseScenario(readFileSync("scenarios/demo.yaml", "utf8"), "scenarios/demo.yaml", registry);

  it("gives demo.yaml's verdict: ok over its whole duration, unchecked when cut before its last fault ends", () => {
    const whole = runScenario(demo, { registry, sink: "none" });
    expect(whole.liveness).toMatchObject({ verdict: "ok" });
    const cut = runScenario(demo, { registry, sink: "none", durationMicros: 8_000_000 });
    expect(cut.violations).toEqual([]);
    expect(cut.liveness?.verdict).toBe("unchecked");
    expect(cut.liveness?.quietAtMicros).toBe(whole.liveness?.quietAtMicros);
  });

  it("is unchecked when random faults never stop (no stopAt), whatever the schedule", () => {
    const random = {
      crashRate: 0,
      restartAfterMinMicros: 0,
      restartAfterMaxMicros: 0,
      partitionRate: 0,
      partitionDurationMinMicros: 0,
      partitionDurationMaxMicros: 0,
      clockSkewRate: 1,
      clockSkewMaxMicros: 100_000,
      diskFaultRate: 0,
      diskFaultKinds: [],
      stopAtMicros: null,
      maxDown: 0,
    } as const;
    const r = runScenario(
      { ...demo, faults: { schedule: [], random: { ...random, diskFaultKinds: [] } } },
      { registry, sink: "none" },
    );
    expect(r.metrics.clockChanges).toBeGreaterThan(0);
    expect(r.liveness).toMatchObject({ verdict: "unchecked", quietAtMicros: null });
    const stopping = runScenario(
      { ...demo, faults: { schedule: [], random: { ...random, diskFaultKinds: [], stopAtMicros: 5_000_000 } } },
      { registry, sink: "none" },
    );
    expect(stopping.liveness).toMatchObject({ verdict: "ok", quietAtMicros: 5_000_000 });
  });

  it("polls once more at the end: a deadline passed since the last poll is a violation, not undecided", () => {
    // Faults stop at 10.5s and the window is 4s; demo's clients stop at 0 ops here, so client-ok never holds. The
    // last regular poll before a run ending at 14.55s is at 14.4s (polls every 200ms), before the 14.5s deadline.
    const quiet = {
      ...demo,
      workload: { ...demo.workload, clients: 0 },
      checks: { ...demo.checks, linearizability: false },
    };
    const r = runScenario(quiet, { registry, sink: "none", durationMicros: 14_550_000 });
    expect(r.liveness?.verdict).toBe("violated");
    expect(r.violations.map((v) => v.check)).toEqual(["liveness.client-ok"]);
    const early = runScenario(quiet, { registry, sink: "none", durationMicros: 14_450_000 });
    expect(early.liveness?.verdict).toBe("undecided");
  });

  it("is null when the scenario checks no liveness", () => {
    const none = runScenario(
      { ...demo, checks: { ...demo.checks, liveness: null } },
      { registry, sink: "none", durationMicros: 1_000_000 },
    );
    expect(none.liveness).toBeNull();
  });
});
