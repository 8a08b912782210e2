import type { Protocol } from "../../sim/core/protocol.ts";
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
export const timerStorm: Protocol<StormState, never, never> = {
  name: "bench-timer-storm",
  description: "benchmark only: many pending timers",
  options: [
    {
      name: "timers",
      type: "integer",
      default: 1000,
      description: "timers per node",
      value: { kind: "integer", min: 0 },
    },
    {
      name: "meanMicros",
      type: "micros",
      default: 1_000_000,
      description: "mean timer delay",
      value: { kind: "micros", min: 1 },
    },
  ],
  create: (_ctx, options) => {
    const o = options as { timers: number; meanMicros: number };
    return { names: Array.from({ length: o.timers }, (_, i) => `t${i}`), meanMicros: o.meanMicros };
  },
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
