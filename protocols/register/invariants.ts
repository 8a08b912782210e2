import type { Invariant } from "../../sim/core/protocol.ts";
import type { Entry } from "./messages.ts";
import type { RegisterState } from "./node.ts";
import type { RegisterOptions } from "./options.ts";

export const registerInvariants: Invariant<RegisterState, RegisterOptions>[] = [
  {
    name: "agreement",
    description: "Every node that holds an entry at a sequence number holds the same one.",
    create: () => {
      const bySeq = new Map<number, number>();
      const checked: number[] = [];
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined) {
          checked[i] = 0;
          return null;
        }
        const from = Math.min(checked[i] ?? 0, s.log.length);
        for (let k = from; k < s.log.length; k++) {
          const e = s.log[k] as Entry;
          const first = bySeq.get(e.seq);
          if (first === undefined) bySeq.set(e.seq, e.requestId);
          else if (first !== e.requestId) {
            return (
              `${ctx.nodes[i]} holds request ${e.requestId} at seq ${e.seq}, but request ${first} was held ` +
              `there before`
            );
          }
        }
        checked[i] = s.log.length;
        return null;
      };
    },
  },
  {
    name: "backup-not-ahead",
    description: "No backup holds more entries than the primary (the primary writes every entry first).",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined || s.isPrimary) return null;
      const p = ctx.nodes.indexOf(s.primary);
      const primary = ctx.states[p];
      if (primary === undefined || primary.damaged) return null;
      return s.log.length > primary.log.length
        ? `backup ${ctx.nodes[i]} holds ${s.log.length} entries but the primary holds only ${primary.log.length}`
        : null;
    },
  },
];
