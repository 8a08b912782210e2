import { describe, expect, it } from "vitest";
import type { Protocol } from "../../sim/core/protocol.ts";
import { noOptions } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { scenario } from "../world/fixtures.ts";

/** One node whose timer fires every 100ms, `ticks` times (then the run goes idle). */
const counted = (ticks: number): Protocol<{ n: number }, never, never> => ({
  name: "counted",
  description: "test",
  options: noOptions,
  create: () => ({ n: 0 }),
  step: (s, input, ctx) => {
    if (input.kind === "start" || (input.kind === "timer" && ++s.n < ticks)) ctx.setTimer("tick", 100_000);
  },
  view: (s) => ({ n: s.n }),
  invariants: [],
  bugs: {},
});

function run(ticks: number, durationMicros: number, maxEvents: number) {
  const s = scenario({
    protocol: { name: "counted", options: {} },
    topology: { datacenters: [{ name: "a", nodes: ["n1"] }] },
    durationMicros,
    limits: { maxEvents, maxPending: 100 },
  });
  return runScenario(s, { registry: new ProtocolRegistry().register(counted(ticks)), sink: "record" });
}

describe("limits.maxEvents", () => {
  it("counts only the events that ran: the first one past the duration is not one", () => {
    // Ticks at 100, ..., 1000ms; the run ends at 450ms after 4 of them.
    const r = run(10, 450_000, 1_000);
    expect(r.stop).toBe("duration");
    expect(r.events).toBe(4);
    expect([...(r.trace?.events() ?? [])].filter((e) => e.k === "timer")).toHaveLength(4);
  });

  it(
    "lets a run that needs exactly maxEvents events finish, by duration or idle, and stops one that needs one" +
      " more",
    () => {
      expect(run(10, 450_000, 4)).toMatchObject({ stop: "duration", events: 4, limitMessage: null });
      expect(run(10, 450_000, 3)).toMatchObject({ stop: "limit", events: 3, simulatedMicros: 300_000 });
      expect(run(5, 10_000_000, 5)).toMatchObject({ stop: "idle", events: 5, limitMessage: null });
      const over = run(5, 10_000_000, 4);
      expect(over).toMatchObject({ stop: "limit", events: 4, simulatedMicros: 400_000 });
      expect(over.limitMessage).toMatch(/processed 4 events without finishing \(limits\.maxEvents\) at t=400000us/);
    },
  );
});
