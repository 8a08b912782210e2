import { z } from "zod";
import {
  defineOptions,
  micros,
  nodeId,
  nodeIds,
  type OptionsEnv,
  type OptionsOf,
} from "../../sim/core/protocolOptions.ts";

/**
 * One single-server membership change: exactly one of `add` and `remove`, naming a node of the topology. A step with
 * both is a two-server change in one config entry, whose old and new majorities need not overlap ({n1,n2,n3} ->
 * {n1,n2,n4}: n1,n2,n3's majority n2,n3 and the new one n1,n4 share nobody); one with neither does nothing.
 */
function reconfigureStep(env: OptionsEnv) {
  return z
    .strictObject({ atMicros: micros(0), add: nodeId(env).optional(), remove: nodeId(env).optional() })
    .meta({ expected: "{atMicros, add | remove}", fields: "a step has atMicros and one of add, remove" })
    .superRefine((step, ctx) => {
      const { add, remove } = step;
      if (add !== undefined && remove !== undefined)
        ctx.addIssue({
          code: "custom",
          message:
            `expected one of add and remove, got both (add ${JSON.stringify(add)}, remove ` +
            `${JSON.stringify(remove)}): membership changes are single-server; a two-server change in one step ` +
            `lets the old and new majorities miss each other, so split it into two steps`,
        });
      else if (add === undefined && remove === undefined)
        ctx.addIssue({ code: "custom", message: "expected one of add and remove, got neither" });
    });
}

/**
 * Raft's options. The election timeout is drawn from [electionMinMicros, electionMaxMicros], so the bounds must be in
 * order.
 */
export const raftOptions = defineOptions((env) =>
  z
    .object({
      electionMinMicros: micros(1)
        .default(300_000)
        .describe("lower bound of the randomized election timeout (local clock)"),
      electionMaxMicros: micros(1)
        .default(600_000)
        .describe("upper bound of the randomized election timeout (>= electionMinMicros)"),
      heartbeatMicros: micros(1).default(60_000).describe("leader heartbeat / retransmission interval"),
      batchMicros: micros(0)
        .default(2_000)
        .describe("client entries wait this long to be replicated together (0: at once)"),
      maxBatch: z.number().int().min(1).default(256).describe("most entries in one AppendEntries"),
      noopOnElection: z.boolean().default(true).describe("a new leader appends a no-op of its term at once"),
      preVote: z.boolean().default(true).describe("PreVote: a node asks whether it could win before bumping its term"),
      checkQuorum: z
        .boolean()
        .default(true)
        .describe("leaders step down without a quorum; followers with a live leader ignore votes"),
      snapshotEvery: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe("snapshot and compact the log every N applied entries (0: never)"),
      voters: nodeIds(env)
        .nullable()
        .default(null)
        .describe("initial voting members (default: every node; others are learners)"),
      reconfigure: z
        .array(reconfigureStep(env))
        .default([])
        .describe(
          "single-server membership changes the leader proposes in order, once its clock passes atMicros " +
            "(each step exactly one of add, remove)",
        ),
      preferredLeader: nodeId(env)
        .nullable()
        .default(null)
        .describe("at first boot this node's election timer fires after electionMinMicros / 4, before any other's"),
      reads: z
        .enum(["log", "read-index", "lease"])
        .default("log")
        .describe("reads go through the log, or are served by the leader with ReadIndex or a lease (no entry)"),
      leaseClockBoundMicros: micros(0)
        .default(100_000)
        .describe("lease reads: how much clocks may disagree over electionMinMicros; the lease is that much shorter"),
    })
    .superRefine((o, ctx) => {
      if (o.electionMinMicros > o.electionMaxMicros)
        ctx.addIssue({
          code: "custom",
          path: ["electionMinMicros"],
          message: `expected at most electionMaxMicros (${o.electionMaxMicros}), got ${o.electionMinMicros}`,
        });
      if (o.reads === "lease" && !o.checkQuorum)
        ctx.addIssue({
          code: "custom",
          path: ["reads"],
          message: "expected checkQuorum: true with lease reads (followers must not vote while the lease runs)",
        });
      if (o.reads === "lease" && o.leaseClockBoundMicros >= o.electionMinMicros)
        ctx.addIssue({
          code: "custom",
          path: ["leaseClockBoundMicros"],
          message: `expected less than electionMinMicros (${o.electionMinMicros}), got ${o.leaseClockBoundMicros}`,
        });
    }),
);

export type RaftOptions = OptionsOf<typeof raftOptions>;
