import { defineOptions, micros } from "../../sim/core/protocolOptions.ts";
import { commitFields, commitRules } from "../commit/options.ts";

/**
 * Three-phase commit's options: 2PC's, where decisionTimeoutMicros is also the length of a termination slot and must
 * exceed voteTimeoutMicros, since participants may only suspect the coordinator after it could have finished voting.
 */
export const threePcOptions = defineOptions((env) =>
  commitFields(env)
    .extend({
      decisionTimeoutMicros: micros(1)
        .default(600_000)
        .describe(
          "a participant that voted yes suspects the coordinator after this long without a precommit or " +
            "decision; also the length of a termination slot (must exceed voteTimeoutMicros)",
        ),
    })
    .superRefine(commitRules(env))
    .superRefine((o, ctx) => {
      if (o.decisionTimeoutMicros <= o.voteTimeoutMicros)
        ctx.addIssue({
          code: "custom",
          path: ["decisionTimeoutMicros"],
          message:
            `expected more than voteTimeoutMicros (${o.voteTimeoutMicros}): participants may only suspect the ` +
            `coordinator after it could have finished voting, got ${o.decisionTimeoutMicros}`,
        });
    }),
);
