import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { BenchWorkload } from "../types.ts";
import { raft5Scenario } from "./raft5.ts";

/**
 * raft-5's cluster and workload (5 nodes in 3 DCs, 30-80ms WAN, 205 closed-loop clients for ~1,000 ops/s, every
 * invariant checked) run by Multi-Paxos with the same timing: a stable leader, 5ms batches, learners hearing every
 * acceptor.
 */
export function paxos5Scenario(traced: boolean): ResolvedScenario {
  const s = raft5Scenario(traced);
  return {
    ...s,
    name: "paxos-5",
    protocol: {
      name: "paxos",
      options: {
        electionMinMicros: 600_000,
        electionMaxMicros: 1_200_000,
        heartbeatMicros: 120_000,
        roundTimeoutMicros: 400_000,
        batchMicros: 5_000,
      },
    },
  };
}

export const paxos5: BenchWorkload = { name: "paxos-5", traced: false, make: () => paxos5Scenario(false) };
