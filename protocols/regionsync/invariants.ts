import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import type { Inbound, RegionsyncState } from "./node.ts";
import type { RegionsyncOptions } from "./options.ts";

type Ctx = InvariantContext<RegionsyncState, RegionsyncOptions>;

/** What target `t` holds durably of source `src`'s log (what a crash now would leave). */
export function durableInbound(ctx: Ctx, t: number, src: string): Inbound {
  const v = ctx.storage(t).read(`in:${src}`);
  return v !== null && typeof v === "object" ? (v as Inbound) : { pos: 0, count: 0, sum: 0 };
}

export const regionsyncInvariants: Invariant<RegionsyncState, RegionsyncOptions>[] = [
  {
    name: "exactly-once",
    description:
      "Per source->target pair, the target applied each of the source's changes 1..pos exactly once: as many " +
      "applies as its position, and their seqs sum to 1+2+...+pos.",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (const [src, inb] of s.inbound) {
        if (inb.count !== inb.pos || inb.sum !== (inb.pos * (inb.pos + 1)) / 2)
          return (
            `${src}->${s.id}: ${s.id} applied ${inb.count} changes (seq sum ${inb.sum}) to reach position ` +
            `${inb.pos}: a change was applied twice or skipped`
          );
      }
      return null;
    },
  },
  {
    name: "no-change-lost",
    description:
      "Per source->target pair, the source never takes as acknowledged a change the target does not hold durably " +
      "(so a resumption from the acknowledged position loses nothing).",
    create: () => (ctx) => {
      for (let si = 0; si < ctx.nodes.length; si++) {
        const s = ctx.states[si];
        if (s === undefined) continue;
        for (const [target, out] of s.outbound) {
          const t = ctx.nodes.indexOf(target);
          const held = durableInbound(ctx, t, s.id).pos;
          if (out.acked > held)
            return (
              `${s.id}->${target}: ${s.id} takes ${out.acked} changes as acknowledged, but ${target} holds only ` +
              `${held} durably: changes ${held + 1}..${out.acked} are lost`
            );
        }
      }
      return null;
    },
  },
  {
    name: "no-phantom",
    description: "No target holds a position past the end of its source's log.",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (const [src, inb] of s.inbound) {
        const source = ctx.states[ctx.nodes.indexOf(src)];
        if (source !== undefined && !source.damaged && inb.pos > source.log.length)
          return `${src}->${s.id}: ${s.id} is at position ${inb.pos}, past ${src}'s ${source.log.length} changes`;
      }
      return null;
    },
  },
];
