import type { Invariant } from "../../sim/core/protocol.ts";
import { divergence, quiescent } from "./convergence.ts";
import type { MultiMasterState } from "./node.ts";
import type { MultiMasterOptions } from "./options.ts";

export const multiMasterInvariants: Invariant<MultiMasterState, MultiMasterOptions>[] = [
  {
    name: "converged-when-quiescent",
    description:
      "Whenever replication is quiescent (every node up and holding every write of every origin), all replicas " +
      "hold the same versions of the same keys.",
    create: () => (ctx) => {
      if (!quiescent(ctx)) return null;
      const d = divergence(ctx);
      if (d === null) return null;
      return (
        `replication is quiescent but ${ctx.nodes[d.node]} holds {${d.mine}} while ${ctx.nodes[0]} holds ` +
        `{${d.first}}`
      );
    },
  },
  {
    name: "applied-within-origin",
    description: "No node has applied more of an origin's writes than the origin wrote.",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (let j = 0; j < ctx.nodes.length; j++) {
        const o = ctx.states[j];
        if (o === undefined || o.damaged) continue;
        const a = s.applied.get(ctx.nodes[j] as string) ?? 0;
        if (a > o.log.length)
          return `${ctx.nodes[i]} applied ${a} writes of ${ctx.nodes[j]}, which wrote ${o.log.length}`;
      }
      return null;
    },
  },
];
