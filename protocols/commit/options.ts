import { z } from "zod";
import { defineOptions, micros, nodeId, type OptionsEnv, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** The options shared by 2PC and 3PC (3PC words decisionTimeoutMicros its own way and adds a rule). */
export function commitFields(env: OptionsEnv) {
  return z.object({
    coordinator: nodeId(env)
      .nullable()
      .default(null)
      .describe("the coordinator (default: the first node); every other node is a participant"),
    replicas: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe("participants holding each key, chosen by hashing the key (capped at the number of participants)"),
    placement: z
      .enum(["mod", "ring"])
      .default("mod")
      .describe('how keys map to participants: "mod" (hash mod n) or "ring" (consistent hashing with vnodes)'),
    vnodes: z.number().int().min(1).max(1024).default(64).describe('virtual nodes per participant (placement "ring")'),
    abortProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe("chance that a participant votes no for application reasons"),
    voteTimeoutMicros: micros(1)
      .default(300_000)
      .describe("the coordinator aborts when the votes are not all in after this long"),
    lockWaitMicros: micros(0)
      .default(50_000)
      .describe("a participant waits this long for a locked key, then votes no (0: at once)"),
    decisionTimeoutMicros: micros(1)
      .default(600_000)
      .describe("a prepared participant waits this long for the outcome before asking for it"),
    retryMicros: micros(1)
      .default(100_000)
      .describe("re-send interval of unacknowledged decisions and outcome requests"),
  });
}

type CommitFields = z.output<ReturnType<typeof commitFields>>;

/** Rules across the shared options, for a topology of `env.nodes`. */
export function commitRules(env: OptionsEnv) {
  return (o: CommitFields, ctx: z.RefinementCtx): void => {
    if (env.nodes.length < 2)
      ctx.addIssue({
        code: "custom",
        path: ["coordinator"],
        message:
          `an atomic commit protocol needs a coordinator and at least one participant: the topology has ` +
          `${env.nodes.length} node(s)`,
      });
    else if (o.lockWaitMicros >= o.voteTimeoutMicros)
      ctx.addIssue({
        code: "custom",
        path: ["lockWaitMicros"],
        message:
          `expected less than voteTimeoutMicros (${o.voteTimeoutMicros}): a vote after the coordinator ` +
          `gave up is wasted, got ${o.lockWaitMicros}`,
      });
  };
}

/** Two-phase commit's options. */
export const twoPcOptions = defineOptions((env) => commitFields(env).superRefine(commitRules(env)));

/** The options both commit protocols run with (3PC's schema gives the same type). */
export type CommitOptions = OptionsOf<typeof twoPcOptions>;
