import { DEFAULT_INTRA_DC } from "../../sim/scenario/resolve.ts";
import type { LinkSpec, ResolvedScenario } from "../../sim/scenario/resolved.ts";

export function link(over: Partial<LinkSpec> = {}): LinkSpec {
  return { ...DEFAULT_INTRA_DC, ...over };
}

/** A resolved scenario for tests, built without the loader: 3 DCs, n1..n5 by default. */
export function scenario(over: Partial<ResolvedScenario> = {}): ResolvedScenario {
  return {
    name: "test",
    description: "",
    seed: 1,
    durationMicros: 2_000_000,
    protocol: { name: "echo", options: {} },
    bugs: [],
    topology: {
      datacenters: [
        { name: "us-east", nodes: ["n1", "n2"] },
        { name: "us-west", nodes: ["n3", "n4"] },
        { name: "eu-west", nodes: ["n5"] },
      ],
    },
    network: {
      intraDc: link(),
      interDc: link({ latency: { kind: "uniform", minMicros: 30_000, maxMicros: 80_000 } }),
      links: [],
    },
    workload: {
      clients: 0,
      placement: [],
      ratePerClient: 0,
      mix: { read: 1, write: 1, cas: 0, append: 0 },
      keys: 3,
      timeoutMicros: 1_000_000,
      maxRedirects: 5,
      target: "leader",
      startMicros: 0,
      stopMicros: null,
    },
    faults: { schedule: [], random: null },
    checks: { invariants: ["*"], linearizability: false, liveness: null, stopOnViolation: true },
    limits: { maxEvents: 50_000_000, maxPending: 4_000_000 },
    trace: { enabled: true, recordMessages: true },
    ...over,
  };
}
