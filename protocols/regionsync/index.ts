import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { regionsyncBugs } from "./bugs.ts";
import { regionsyncInvariants } from "./invariants.ts";
import type { Change, RegionsyncMsg } from "./messages.ts";
import { createRegionsync, type RegionsyncState, stepRegionsync } from "./node.ts";
import { regionsyncMetrics, regionsyncObservers } from "./observers.ts";
import { type RegionsyncOptions, regionsyncOptions } from "./options.ts";

/** `caught-up` forgives changes this many retry intervals younger than the source's newest (still in flight). */
const CAUGHT_UP_RETRIES = 2;

/**
 * Cross-region sync: one node per region, each a key-value store serving its local clients and keeping a log of its
 * own changes, which it replicates to every other region by push or pull over the (bandwidth-limited) WAN, in
 * batches, with retries and resumption from the last acknowledged position. Remote changes are merged
 * last-writer-wins, so regions converge; reads in a region see remote writes only after the lag.
 */
export const regionsync: Protocol<RegionsyncState, RegionsyncMsg, KvOp, RegionsyncOptions> = {
  name: "regionsync",
  description:
    "Cross-region sync of per-region change logs by push or pull, with batching, compression and encryption.",
  options: regionsyncOptions,
  create: createRegionsync,
  step: stepRegionsync,
  view: (s) => {
    let backlog = 0;
    for (const out of s.outbound.values()) backlog = Math.max(backlog, s.log.length - out.acked);
    return { role: s.damaged ? "damaged" : "region", commitIndex: s.log.length, backlog };
  },
  messageSize: (m) => (m.type === "batch" ? m.wireBytes : 64),
  messageType: (m) => m.type,
  invariants: regionsyncInvariants,
  progress: [
    {
      name: "caught-up",
      description:
        "Every live region holds every change of every other live region, except those made within two retry " +
        "intervals of the source's newest change (so it holds under continuous load, not only once writes pause).",
      holds: (ctx) => {
        for (const t of ctx.states) {
          if (t === undefined) continue;
          for (const [src, inb] of t.inbound) {
            const source = ctx.states[ctx.nodes.indexOf(src)];
            if (source === undefined || inb.pos >= source.log.length) continue;
            const newest = source.log[source.log.length - 1] as Change;
            const missing = source.log[inb.pos] as Change;
            if (missing.at <= newest.at - CAUGHT_UP_RETRIES * ctx.options.retryMicros) return false;
          }
        }
        return true;
      },
    },
  ],
  metrics: regionsyncMetrics,
  observers: regionsyncObservers,
  roles: ["region"],
  bugs: regionsyncBugs,
};
