import { assert } from "../../sim/core/assert.ts";
import type { Observer, ObserverContext } from "../../sim/core/protocol.ts";
import { harvester } from "./invariants.ts";
import type { ReplicationOptions } from "./options.ts";
import type { ReplicationState } from "./state.ts";

type Ctx = ObserverContext<ReplicationState, ReplicationOptions>;

interface Tenure {
  epoch: number;
  node: number;
  /** When the observer first saw this primary down (crashed), or null. */
  downAt: number | null;
  /** Its last lease renewal: the send time of the last heartbeat a majority answered. */
  quorumAt: number;
}

/**
 * RPO and RTO of each failover. It sees every acknowledgement (every primary's `acked`), so when a primary of a new
 * epoch appears it counts the acknowledged writes that primary does not hold (lost for good: the new primary's log is
 * the history from now on), and when that primary first acknowledges a write it records the time since the failure
 * (the old primary's crash as first seen, or when it last reached a majority if it was cut off rather than crashed).
 */
export const failoverObserver: Observer<ReplicationState, ReplicationOptions> = {
  name: "failover",
  description: "RPO (acknowledged writes lost) and RTO (failure to writes served again) of each failover.",
  create: () => {
    const harvest = harvester();
    const acked = new Map<number, number>();
    let current: Tenure | null = null;
    let pendingRto: { epoch: number; failedAt: number } | null = null;
    const watch = (ctx: Ctx): void => {
      if (current === null) return;
      const s = ctx.states[current.node];
      if (!ctx.up[current.node] && current.downAt === null) current.downAt = ctx.now;
      if (s !== undefined && s.role === "primary" && s.epoch === current.epoch)
        current.quorumAt = Math.max(current.quorumAt, s.quorumAt);
    };
    return {
      step(ctx, i) {
        watch(ctx);
        const s = ctx.states[i];
        if (s === undefined) return;
        const fresh = harvest(ctx, i);
        for (const a of fresh) acked.set(a.requestId, a.epoch);
        if (s.role !== "primary") return;
        if (current === null || s.epoch > current.epoch) {
          if (current !== null) {
            let lost = 0;
            for (const [id, epoch] of acked) {
              if (epoch < s.epoch && !s.seen.has(id)) {
                lost++;
                acked.delete(id);
              }
            }
            ctx.metric("failover.rpo", lost);
            ctx.note(i, `failover to epoch ${s.epoch}: ${lost} acknowledged writes lost`, { lost });
            pendingRto = { epoch: s.epoch, failedAt: current.downAt ?? Math.max(0, current.quorumAt) };
          }
          current = { epoch: s.epoch, node: i, downAt: null, quorumAt: s.quorumAt };
        }
        if (pendingRto !== null && s.epoch === pendingRto.epoch && fresh.some((a) => a.epoch === s.epoch)) {
          const rto = ctx.now - pendingRto.failedAt;
          assert(rto >= 0, () => `RTO ${rto} is negative`);
          ctx.metric("failover.rto", rto);
          pendingRto = null;
        }
      },
    };
  },
};
