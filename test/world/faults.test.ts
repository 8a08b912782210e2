import { describe, expect, it } from "vitest";
import { CORRUPT, type Protocol } from "../../sim/core/protocol.ts";
import { noOptions } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { Disk } from "../../sim/world/disk.ts";
import { NodeClock } from "../../sim/world/clock.ts";
import type { ResolvedScenario, ScheduledFault } from "../../sim/scenario/resolved.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import type { RunResult } from "../../sim/world/result.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { scheduleQuietAt } from "../../sim/world/faults.ts";
import { scenario } from "./fixtures.ts";
import { registry } from "../../protocols/index.ts";

describe("disk", () => {
  it("loses unsynced writes on a crash and keeps synced ones", () => {
    const d = new Disk();
    d.persist("a", 1);
    d.sync();
    d.persist("b", 2);
    d.persist("a", 3);
    expect(d.read("a")).toBe(3);
    d.crash(false);
    expect(d.read("a")).toBe(1);
    expect(d.read("b")).toBeUndefined();
    expect(d.keys()).toEqual(["a"]);
  });

  it("copies values, so mutating an object after persisting it does not change the disk", () => {
    const d = new Disk();
    const v = { log: [1, 2] };
    d.persist("v", v);
    v.log.push(3);
    expect(d.read("v")).toEqual({ log: [1, 2] });
  });

  it("detects a corrupted value through its checksum", () => {
    const d = new Disk();
    d.persist("k", { term: 5, votedFor: "n2" });
    d.sync();
    expect(d.corrupt("k", (n) => Math.min(3, n - 1))).toBe("k");
    expect(d.read("k")).toBe(CORRUPT);
  });

  it("a torn write survives the crash damaged, and the damage is detected", () => {
    const d = new Disk();
    d.persist("x", "old");
    d.sync();
    d.persist("x", "a much longer new value");
    expect(d.crash(true)).toBe("x");
    expect(d.read("x")).toBe(CORRUPT);
  });

  it("deletes keys with undefined, durably only after sync", () => {
    const d = new Disk();
    d.persist("k", 1);
    d.sync();
    d.persist("k", undefined);
    expect(d.read("k")).toBeUndefined();
    d.crash(false);
    expect(d.read("k")).toBe(1);
  });
});

describe("clocks", () => {
  it("adds offset and accumulates drift from when it was set", () => {
    const c = new NodeClock();
    expect(c.local(1_000_000)).toBe(1_000_000);
    c.set(1_000_000, 50_000, null);
    expect(c.local(2_000_000)).toBe(2_050_000);
    c.set(2_000_000, null, 1000); // 1000ppm = 1ms per second
    expect(c.local(4_000_000)).toBe(4_000_000 + 50_000 + 2_000);
    expect(c.virtualDelay(1_001_000)).toBe(1_000_000);
  });
});

/** A node that counts its timer firings and writes a synced and an unsynced key at start. */
interface TickState {
  ticks: number;
  restored: unknown;
  unsynced: unknown;
  now: number[];
}
const ticker: Protocol<TickState, never, never> = {
  name: "ticker",
  description: "test",
  options: noOptions,
  create: (ctx) => ({ ticks: 0, restored: ctx.read("synced"), unsynced: ctx.read("unsynced"), now: [] }),
  step: (s, input, ctx) => {
    if (input.kind === "start") {
      ctx.persist("synced", input.restart ? "again" : "first");
      ctx.sync();
      ctx.persist("unsynced", "lost?");
      ctx.setTimer("tick", 100_000);
    } else if (input.kind === "timer") {
      s.ticks++;
      s.now.push(ctx.now());
      ctx.setTimer("tick", 100_000);
    }
  },
  view: (s) => ({ ticks: s.ticks, restored: s.restored as string, unsynced: (s.unsynced ?? null) as string }),
  invariants: [],
  bugs: {},
};
const reg = new ProtocolRegistry().register(ticker);

/** A node that arms a timer for "never" (delays up to the largest finite number) beside a short one. */
const never: Protocol<{ fired: string[] }, never, never> = {
  name: "never",
  description: "test",
  options: noOptions,
  create: () => ({ fired: [] }),
  step: (s, input, ctx) => {
    if (input.kind === "start") ctx.setTimer("soon", 1_000);
    else if (input.kind === "timer") {
      s.fired.push(input.name);
      // Armed once the clock drifts: a drifting clock scales the delay, which overflowed to Infinity for the largest.
      ctx.setTimer("1e18", 1e18);
      ctx.setTimer("max", Number.MAX_VALUE);
    }
  },
  view: (s) => ({ fired: s.fired.join(",") }),
  invariants: [],
  bugs: {},
};

/** A scenario of one node, n1 in datacenter a, running `protocol` under a fault schedule. */
function oneNode(protocol: string, durationMicros: number, schedule: ScheduledFault[]): ResolvedScenario {
  return scenario({
    protocol: { name: protocol, options: {} },
    topology: { datacenters: [{ name: "a", nodes: ["n1"] }] },
    durationMicros,
    faults: { schedule, random: null },
  });
}

/** The events of a run's recorded trace. */
function traceEvents(r: RunResult): TraceEvent[] {
  return [...(r.trace?.events() ?? [])];
}

describe("timers", () => {
  it("a timer armed for any finite delay, however long, is accepted and never fires within the run", () => {
    const s = oneNode("never", 10_000, [{ atMicros: 500, action: "clock", node: "n1", offsetMicros: 0, driftPpm: 50 }]);
    const r = runScenario(s, { registry: new ProtocolRegistry().register(never), sink: "record" });
    expect(r.stop).toBe("duration");
    expect(
      traceEvents(r)
        .filter((e) => e.k === "timer")
        .map((e) => (e as { name: string }).name),
    ).toEqual(["soon"]);
  });
});

describe("crash and restart", () => {
  it("a crash drops pending timers and volatile state; a restart rebuilds state from synced storage only", () => {
    const s = oneNode("ticker", 1_000_000, [
      { atMicros: 350_000, action: "crash", node: "n1", restartAfterMicros: 300_000 },
    ]);
    const r = runScenario(s, { registry: reg, sink: "record" });
    const events = traceEvents(r);
    const timers = events.filter((e) => e.k === "timer").map((e) => e.t);
    // ticks at 100,200,300ms; none while down (350..650ms); after restart at 650ms: 750, 850, 950ms
    expect(timers).toEqual([100_000, 200_000, 300_000, 750_000, 850_000, 950_000]);
    const states = events.filter((e) => e.k === "state").map((e) => (e as { v: Record<string, unknown> }).v);
    const afterRestart = states.find((v) => v.restored === "first");
    expect(afterRestart).toEqual({ ticks: 0, restored: "first", unsynced: null });
  });

  it("a clock fault changes what ctx.now() returns", () => {
    const s = oneNode("ticker", 450_000, [
      { atMicros: 250_000, action: "clock", node: "n1", offsetMicros: 5_000, driftPpm: null },
    ]);
    const r = runScenario(s, { registry: reg, sink: "record" });
    expect(r.metrics.clockChanges).toBe(1);
    const clock = traceEvents(r).find((e) => e.k === "clock");
    expect(clock).toMatchObject({ t: 250_000, n: "n1", offset: 5_000, drift: 0 });
  });
});

describe("the run API's seed", () => {
  it("is an integer or a string: a seed like 1.5 would make a trace that replay cannot read", () => {
    const s = scenario();
    expect(() => runScenario(s, { registry, seed: 1.5, sink: "none" })).toThrow(
      /seed must be an integer \(at most 2\^53 - 1 either way\) or a string, got 1\.5/,
    );
    expect(() => runScenario(s, { registry, seed: 1e20, sink: "none" })).toThrow(/seed must be an integer/);
    expect(runScenario({ ...s, durationMicros: 1_000 }, { registry, seed: "abc", sink: "none" }).seed).toBe("abc");
  });
});

describe("timed restarts and heals", () => {
  it("a crash's timed restart does not revive the node after it was restarted and crashed again for good", () => {
    const s = oneNode("ticker", 1_000_000, [
      { atMicros: 100_000, action: "crash", node: "n1", restartAfterMicros: 500_000 },
      { atMicros: 200_000, action: "restart", node: "n1" },
      { atMicros: 300_000, action: "crash", node: "n1", restartAfterMicros: null },
    ]);
    const r = runScenario(s, { registry: reg, sink: "record" });
    const events = traceEvents(r);
    expect(events.filter((e) => e.k === "restart").map((e) => e.t)).toEqual([200_000]);
    expect(events.filter((e) => e.k === "timer" && e.t > 300_000)).toEqual([]);
  });

  it("a partition's timed heal does not heal a later partition of the same id", () => {
    const groups = [["n1"], ["n2"]];
    const s = scenario({
      protocol: { name: "ticker", options: {} },
      topology: { datacenters: [{ name: "a", nodes: ["n1", "n2"] }] },
      durationMicros: 2_000_000,
      faults: {
        schedule: [
          { atMicros: 0, action: "partition", id: "p", spec: { kind: "symmetric", groups }, healAfterMicros: 500_000 },
          { atMicros: 100_000, action: "heal", id: "p" },
          {
            atMicros: 200_000,
            action: "partition",
            id: "p",
            spec: { kind: "symmetric", groups },
            healAfterMicros: null,
          },
          // restarting an active partition: its own timed heal is due at 1.5s, not the earlier one's 1s
          {
            atMicros: 600_000,
            action: "partition",
            id: "q",
            spec: { kind: "symmetric", groups },
            healAfterMicros: 400_000,
          },
          {
            atMicros: 800_000,
            action: "partition",
            id: "q",
            spec: { kind: "symmetric", groups },
            healAfterMicros: 700_000,
          },
        ],
        random: null,
      },
    });
    const r = runScenario(s, { registry: reg, sink: "record" });
    const heals = traceEvents(r)
      .filter((e) => e.k === "heal")
      .map((e) => [e.t, (e as { id: string }).id]);
    expect(heals).toEqual([
      [100_000, "p"],
      [1_500_000, "q"],
    ]);
  });
});

describe("the quiet time of a fault schedule", () => {
  it("ends a partition at its own heal when its id was used, and healed, before", () => {
    const spec = { kind: "symmetric" as const, groups: [["n1"], ["n2"]] };
    const schedule: ScheduledFault[] = [
      { atMicros: 1_000_000, action: "partition", id: "p", spec, healAfterMicros: null },
      { atMicros: 2_000_000, action: "heal", id: "p" },
      { atMicros: 3_000_000, action: "partition", id: "p", spec, healAfterMicros: null },
      { atMicros: 4_000_000, action: "heal", id: "p" },
    ];
    expect(scheduleQuietAt(schedule)).toBe(4_000_000);
    expect(scheduleQuietAt(schedule.slice(0, 3))).toBe(Number.POSITIVE_INFINITY);
  });

  it("ends a partition where a later partition of its id replaces it (the later one's heal ends that one)", () => {
    const spec = { kind: "symmetric" as const, groups: [["n1"], ["n2"]] };
    const schedule: ScheduledFault[] = [
      { atMicros: 1_000_000, action: "partition", id: "p", spec, healAfterMicros: null },
      { atMicros: 5_000_000, action: "partition", id: "p", spec, healAfterMicros: 2_000_000 },
    ];
    expect(scheduleQuietAt(schedule)).toBe(7_000_000);
    expect(
      scheduleQuietAt([
        ...schedule,
        { atMicros: 8_000_000, action: "partition", id: "p", spec, healAfterMicros: null },
      ]),
    ).toBe(Number.POSITIVE_INFINITY);
  });
});

/** A node that arms a 1ms timer again and again and records, for each firing, how much of its own clock elapsed. */
const stopwatch: Protocol<{ armedAt: number; elapsed: number[] }, never, never> = {
  name: "stopwatch",
  description: "test",
  options: noOptions,
  create: () => ({ armedAt: 0, elapsed: [] }),
  step: (s, input, ctx) => {
    if (input.kind === "timer") s.elapsed.push(ctx.now() - s.armedAt);
    if (input.kind === "start" || input.kind === "timer") {
      s.armedAt = ctx.now();
      ctx.setTimer("t", 1_000);
    }
  },
  // The first timer was armed before the drift was set: it is not counted.
  view: (s) => ({ early: s.elapsed.slice(1).filter((e) => e < 1_000).length }),
  invariants: [],
  bugs: {},
};

describe("timers on a drifting clock", () => {
  for (const driftPpm of [-100, 100, -50_000, 50_000]) {
    it(`fire no earlier than their delay by the node's own clock (drift ${driftPpm}ppm)`, () => {
      const s = oneNode("stopwatch", 200_000, [
        { atMicros: 0, action: "clock", node: "n1", offsetMicros: 0, driftPpm },
      ]);
      const r = runScenario(s, { registry: new ProtocolRegistry().register(stopwatch), sink: "record" });
      const views = traceEvents(r)
        .filter((e) => e.k === "state")
        .map((e) => (e as { v: Record<string, unknown> }).v.early);
      expect(views.at(-1)).toBe(0);
    });
  }
});

describe("random crashes", () => {
  it("crash each node at crashRate while it is up, whatever the others do", () => {
    // 4 nodes, 0.1 crashes per node per second, none restarts within the run: each node is down by the end with
    // probability 1 - e^(-0.1 * 20) = 0.8647, so a run sees 3.459 crashes on average (sd 0.68 a run, 0.039 over 300).
    // Picking the victim among the up nodes only gave each up node N/up times the rate: 3.95 on average.
    const rates = { crashRate: 0.1, partitionRate: 0, clockSkewRate: 0, diskFaultRate: 0 };
    const random = {
      ...rates,
      restartAfterMinMicros: 1e9,
      restartAfterMaxMicros: 1e9,
      partitionDurationMinMicros: 0,
      partitionDurationMaxMicros: 0,
      clockSkewMaxMicros: 0,
      diskFaultKinds: [],
      stopAtMicros: null,
      maxDown: 4,
    };
    const s = scenario({
      protocol: { name: "ticker", options: {} },
      topology: { datacenters: [{ name: "a", nodes: ["n1", "n2", "n3", "n4"] }] },
      durationMicros: 20_000_000,
      faults: { schedule: [], random },
      trace: { enabled: false, recordMessages: false },
    });
    let crashes = 0;
    const runs = 300;
    for (let seed = 1; seed <= runs; seed++)
      crashes += runScenario(s, { registry: reg, sink: "none", seed }).metrics.crashes ?? 0;
    expect(Math.abs(crashes / runs - 4 * (1 - Math.exp(-2)))).toBeLessThan(0.15);
  });
});
