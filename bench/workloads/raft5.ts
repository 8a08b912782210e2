import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { BenchWorkload } from "../types.ts";
import { pingScenario } from "./ping.ts";

/**
 * 5 Raft nodes in 3 DCs (30-80ms WAN) under 1,000 client ops/s, every invariant checked. Clients are closed-loop (one
 * op at a time, 50ms mean think time) and an op takes ~150ms across the WAN, so 205 clients are needed for ~1,000
 * ops/s (50 clients managed only 240). A snapshot every 5,000 entries keeps logs bounded, as any deployment would.
 */
export function raft5Scenario(traced: boolean): ResolvedScenario {
  const s = pingScenario(120_000_000, traced);
  return {
    ...s,
    name: "raft-5",
    protocol: {
      name: "raft",
      options: {
        electionMinMicros: 600_000,
        electionMaxMicros: 1_200_000,
        heartbeatMicros: 120_000,
        batchMicros: 5_000,
        snapshotEvery: 5_000,
      },
    },
    network: { ...s.network, intraDc: { ...s.network.intraDc, loss: 0 }, interDc: { ...s.network.interDc, loss: 0 } },
    workload: {
      clients: 205,
      placement: [],
      ratePerClient: 20,
      mix: { read: 2, write: 2, cas: 1, append: 1 },
      keys: 32,
      timeoutMicros: 2_000_000,
      maxRedirects: 5,
      target: "leader",
      startMicros: 0,
      stopMicros: null,
    },
    checks: { invariants: ["*"], linearizability: false, liveness: null, stopOnViolation: true },
  };
}

export const raft5: BenchWorkload = { name: "raft-5", traced: false, make: () => raft5Scenario(false) };
export const raft5Traced: BenchWorkload = { name: "raft-5-traced", traced: true, make: () => raft5Scenario(true) };
