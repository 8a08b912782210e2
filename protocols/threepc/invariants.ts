import type { Invariant } from "../../sim/core/protocol.ts";
import { commitInvariants, factInvariant } from "../commit/invariants.ts";
import type { CommitOptions } from "../commit/options.ts";
import type { ThreePcState } from "./state.ts";

/**
 * 3PC's defining property (Skeen): no node commits while a participant that is up and taking part (not restarting
 * with the transaction undecided) is still uncertain, i.e. voted yes but is not prepared to commit. It is what lets
 * the survivors of a coordinator crash decide without it.
 */
const noCommitWhileUncertain = factInvariant<ThreePcState>(
  "no-commit-while-uncertain",
  "No node commits a transaction while one of its participants that is up (and not recovering) is " +
    "uncertain: voted yes, not precommitted.",
  () => (f, node, ctx) => {
    if (f.kind !== "decide" || f.value !== "commit" || f.participants === null) return null;
    for (const p of f.participants) {
      const pt = ctx.states[ctx.nodes.indexOf(p)]?.ptxns.get(f.txn);
      if (pt !== undefined && pt.phase === "uncertain" && !pt.recovering)
        return `${node} committed transaction ${f.txn} while ${p} was still uncertain (voted yes, not precommitted)`;
    }
    return null;
  },
);

export const threePcInvariants: Invariant<ThreePcState, CommitOptions>[] = [
  ...commitInvariants<ThreePcState>(),
  noCommitWhileUncertain,
];
