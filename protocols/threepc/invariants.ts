import type { Invariant } from "../../sim/core/protocol.ts";
import { atomicity, commitValidity, decisionStability } from "../twopc/invariants.ts";
import type { ThreePcState } from "./state.ts";

/**
 * 3PC's defining property (Skeen): no node commits while a participant that is up and taking part (not restarting
 * with the transaction undecided) is still uncertain, i.e. voted yes but is not prepared to commit. It is what lets
 * the survivors of a coordinator crash decide without it.
 */
const noCommitWhileUncertain: Invariant<ThreePcState> = {
  name: "no-commit-while-uncertain",
  description: "No node commits a transaction while one of its participants that is up (and not recovering) is uncertain: voted yes, not precommitted.",
  create: () => {
    const seen: (ThreePcState | undefined)[] = [];
    const upTo: number[] = [];
    return (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      if (seen[i] !== s) {
        seen[i] = s;
        upTo[i] = 0;
      }
      for (let k = upTo[i] as number; k < s.facts.length; k++) {
        upTo[i] = k + 1;
        const f = s.facts[k];
        if (f === undefined || f.kind !== "decide" || f.value !== "commit" || f.participants === null) continue;
        for (const p of f.participants) {
          const ps = ctx.states[ctx.nodes.indexOf(p)];
          const pt = ps?.ptxns.get(f.txn);
          if (pt !== undefined && pt.phase === "uncertain" && !pt.recovering) return `${ctx.nodes[i]} committed transaction ${f.txn} while ${p} was still uncertain (voted yes, not precommitted)`;
        }
      }
      return null;
    };
  },
};

export const threePcInvariants: Invariant<ThreePcState>[] = [atomicity<ThreePcState>(), decisionStability<ThreePcState>(), commitValidity<ThreePcState>(), noCommitWhileUncertain];
