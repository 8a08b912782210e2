import { z } from "zod";
import { defineOptions, micros, nodeIds, type OptionsEnv, type OptionsOf } from "../../sim/core/protocolOptions.ts";
import type { NodeId } from "../../sim/core/types.ts";

/** A non-empty list of the topology's node ids, each at most once. */
function distinctNodeIds(env: OptionsEnv) {
  return nodeIds(env).refine((ids) => new Set(ids).size === ids.length, {
    error: "expected each node id at most once",
  });
}

/** Paxos's options, one zod schema (docs/paxos.md explains them). */
export const paxosOptions = defineOptions((env) =>
  z
    .object({
      mode: z
        .enum(["multi", "basic"])
        .default("multi")
        .describe(
          "multi: a stable leader skips phase 1 for later slots; basic: every proposal runs both phases " +
            "(single-decree Paxos per slot, any proposer)",
        ),
      acceptors: distinctNodeIds(env).nullable().default(null).describe("acceptor nodes (default: every node)"),
      proposers: distinctNodeIds(env)
        .nullable()
        .default(null)
        .describe("nodes that propose and serve clients (default: all)"),
      electionMinMicros: micros(1).default(300_000).describe("multi: lower bound of the randomized leader timeout"),
      electionMaxMicros: micros(1).default(600_000).describe("multi: upper bound of the leader timeout"),
      heartbeatMicros: micros(1).default(60_000).describe("multi: leader heartbeat and accept retransmission interval"),
      leaseMicros: micros(0)
        .default(0)
        .describe(
          "acceptors refuse another proposer's prepare this long after hearing the leader (local clock; 0: off); " +
            "a leader without a majority's acknowledgement for this long steps down",
        ),
      roundTimeoutMicros: micros(1)
        .default(200_000)
        .describe(
          "a phase 1 (and, in basic mode, phase 2) still short " +
            "of a majority after this long is retried with a higher ballot",
        ),
      backoffMinMicros: micros(0).default(5_000).describe("lower bound of the randomized retry backoff"),
      backoffMaxMicros: micros(0).default(50_000).describe("upper bound of the retry backoff (doubled per failure)"),
      batchMicros: micros(0).default(2_000).describe("client commands wait this long to be proposed together"),
      maxBatch: z.number().int().min(1).default(64).describe("most commands in one accept message"),
      window: z.number().int().min(1).default(256).describe("most slots a leader has proposed and not yet learned"),
    })
    .superRefine((o, ctx) => {
      if (o.electionMinMicros > o.electionMaxMicros)
        ctx.addIssue({
          code: "custom",
          path: ["electionMinMicros"],
          message: `expected at most electionMaxMicros (${o.electionMaxMicros}), got ${o.electionMinMicros}`,
        });
      if (o.backoffMinMicros > o.backoffMaxMicros)
        ctx.addIssue({
          code: "custom",
          path: ["backoffMinMicros"],
          message: `expected at most backoffMaxMicros (${o.backoffMaxMicros}), got ${o.backoffMinMicros}`,
        });
    }),
);

export type PaxosOptions = OptionsOf<typeof paxosOptions>;

/** Every option at its default, for nodes `nodes` (tests build options from this). */
export function paxosDefaults(nodes: readonly NodeId[]): PaxosOptions {
  return paxosOptions.defaults({ nodes });
}
