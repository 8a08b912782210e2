import { z } from "zod";
import type { Protocol } from "../../sim/core/protocol.ts";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { BenchWorkload } from "../types.ts";
import { pingScenario } from "./ping.ts";

interface StormState {
  names: string[];
  meanMicros: number;
}

const STORM_VIEW = { role: "storm" };

/**
 * A benchmark-only protocol: each node holds `timers` named timers, each re-armed with a random delay when it fires,
 * so the queue holds nodes * timers pending events throughout the run.
 */
const stormOptions = defineOptions(() =>
  z.object({
    timers: z.number().int().min(0).default(1000).describe("timers per node"),
    meanMicros: micros(1).default(1_000_000).describe("mean timer delay"),
  }),
);

export const timerStorm: Protocol<StormState, never, never, OptionsOf<typeof stormOptions>> = {
  name: "bench-timer-storm",
  description: "benchmark only: many pending timers",
  options: stormOptions,
  create: (_ctx, o) => ({ names: Array.from({ length: o.timers }, (_, i) => `t${i}`), meanMicros: o.meanMicros }),
  step: (s, input, ctx) => {
    if (input.kind === "start") {
      for (const name of s.names) ctx.setTimer(name, Math.floor(ctx.rng.next() * 2 * s.meanMicros));
    } else if (input.kind === "timer") {
      ctx.setTimer(input.name, Math.floor(ctx.rng.next() * 2 * s.meanMicros));
    }
  },
  view: () => STORM_VIEW,
  invariants: [],
  bugs: {},
};

function pendingScenario(pending: number, events: number): ResolvedScenario {
  const nodes = 10;
  const s = pingScenario(0, false, nodes, 1);
  const meanMicros = 1_000_000;
  // Each timer fires about once per mean delay: events = pending * duration / mean.
  const durationMicros = Math.max(1, Math.round((events / pending) * meanMicros));
  return {
    ...s,
    name: `pending-${pending}`,
    durationMicros,
    protocol: { name: timerStorm.name, options: { timers: Math.ceil(pending / nodes), meanMicros } },
  };
}

function workload(label: string, pending: number, events: number, optIn = false): BenchWorkload {
  return { name: label, traced: false, optIn, make: () => pendingScenario(pending, events) };
}

export const pending1e6 = workload("pending-1e6", 1_000_000, 3_000_000);
export const pendingGrowth: BenchWorkload[] = [
  workload("pending-1e3", 1_000, 2_000_000),
  workload("pending-1e4", 10_000, 2_000_000),
  workload("pending-1e5", 100_000, 2_000_000),
  workload("pending-1e6 (growth)", 1_000_000, 2_000_000, true),
];
