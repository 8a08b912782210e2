import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { DEFAULT_INTER_DC, DEFAULT_INTRA_DC } from "../../sim/scenario/resolve.ts";
import type { BenchWorkload } from "../types.ts";

/** 5 echo nodes in 3 DCs, 20 pings in flight per node, 1% loss recovered by a retry timer. */
export function pingScenario(durationMicros: number, traced: boolean, nodes = 5, inFlight = 20): ResolvedScenario {
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const dcs = [
    { name: "us-east", nodes: ids.filter((_, i) => i % 3 === 0) },
    { name: "us-west", nodes: ids.filter((_, i) => i % 3 === 1) },
    { name: "eu-west", nodes: ids.filter((_, i) => i % 3 === 2) },
  ];
  return {
    name: "ping",
    description: "benchmark",
    seed: 1,
    durationMicros,
    protocol: { name: "echo", options: { inFlight, retryMicros: 250_000 } },
    bugs: [],
    topology: { datacenters: dcs },
    network: {
      intraDc: { ...DEFAULT_INTRA_DC, latency: { kind: "uniform", minMicros: 200, maxMicros: 1_000 }, loss: 0.01 },
      interDc: { ...DEFAULT_INTER_DC, latency: { kind: "uniform", minMicros: 30_000, maxMicros: 80_000 }, loss: 0.01 },
      links: [],
    },
    workload: {
      clients: 0,
      placement: [],
      ratePerClient: 0,
      mix: { read: 1, write: 1, cas: 0, append: 0 },
      keys: 1,
      timeoutMicros: 1_000_000,
      maxRedirects: 0,
      target: "random",
      startMicros: 0,
      stopMicros: null,
    },
    faults: { schedule: [], random: null },
    checks: { invariants: ["*"], linearizability: false, liveness: null, stopOnViolation: true },
    limits: { maxEvents: 50_000_000, maxPending: 4_000_000 },
    trace: { enabled: traced, recordMessages: true },
  };
}

export const ping5: BenchWorkload = { name: "ping-5", traced: true, make: () => pingScenario(1_200_000_000, true) };
export const ping5Untraced: BenchWorkload = {
  name: "ping-5-untraced",
  traced: false,
  make: () => pingScenario(1_200_000_000, false),
};
/** A 10M-event traced run, for the memory goal (opt-in: `--only mem-10m`). */
export const mem10m: BenchWorkload = {
  name: "mem-10m",
  traced: true,
  optIn: true,
  make: () => pingScenario(4_600_000_000, true),
};
