import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import type { ReplicationOptions } from "./options.ts";
import type { Acked, ReplicationState } from "./state.ts";

type Ctx = InvariantContext<ReplicationState, ReplicationOptions>;

/** New acknowledgements of node i since the last call (per incarnation: a restart brings a fresh state). */
export function harvester(): (ctx: Ctx, i: number) => Acked[] {
  const seenState: (ReplicationState | undefined)[] = [];
  const taken: number[] = [];
  return (ctx, i) => {
    const s = ctx.states[i];
    if (s === undefined) return [];
    if (seenState[i] !== s) {
      seenState[i] = s;
      taken[i] = 0;
    }
    const from = taken[i] ?? 0;
    taken[i] = s.acked.length;
    return from < s.acked.length ? s.acked.slice(from) : [];
  };
}

export const replicationInvariants: Invariant<ReplicationState, ReplicationOptions>[] = [
  {
    name: "one-primary-per-epoch",
    description: "No two nodes are ever primary in the same epoch.",
    create: () => {
      const primaryOf = new Map<number, string>();
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined || s.role !== "primary") return null;
        const id = ctx.nodes[i] as string;
        const other = primaryOf.get(s.epoch);
        if (other === undefined) primaryOf.set(s.epoch, id);
        else if (other !== id) return `${id} and ${other} were both primary in epoch ${s.epoch}`;
        return null;
      };
    },
  },
  {
    name: "fencing",
    description: "No primary acknowledges a write once a primary of a later epoch has taken over.",
    create: () => {
      const harvest = harvester();
      let newest = 0;
      let newestNode = "";
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined) return null;
        const fresh = harvest(ctx, i);
        if (s.role === "primary" && s.epoch > newest) {
          newest = s.epoch;
          newestNode = ctx.nodes[i] as string;
        }
        const stale = fresh.find((a) => a.epoch < newest);
        if (stale === undefined) return null;
        return (
          `${ctx.nodes[i]} acknowledged write ${stale.requestId} (seq ${stale.seq}) in epoch ${stale.epoch} after ` +
          `${newestNode} took over in epoch ${newest}`
        );
      };
    },
  },
  {
    name: "log-prefix",
    description: "Within an epoch, replicas' logs are prefixes of each other: one entry per (epoch, seq).",
    create: () => {
      const at = new Map<string, number>();
      const checked: { s: ReplicationState | undefined; version: number; upTo: number }[] = [];
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined) return null;
        const c = checked[i];
        const from = c !== undefined && c.s === s && c.version === s.logVersion ? c.upTo : 0;
        for (let k = from; k < s.log.length; k++) {
          const e = s.log[k];
          if (e === undefined) continue;
          const key = `${e.epoch}:${e.seq}`;
          const first = at.get(key);
          if (first === undefined) at.set(key, e.requestId);
          else if (first !== e.requestId) {
            const who = ctx.nodes[i];
            return `${who} holds request ${e.requestId} at seq ${e.seq} of epoch ${e.epoch}, another holds ${first}`;
          }
        }
        checked[i] = { s, version: s.logVersion, upTo: s.log.length };
        return null;
      };
    },
  },
  {
    name: "sync-no-acked-write-lost",
    description: "In sync mode, every write acknowledged before a failover is held by the new primary.",
    create: () => {
      const harvest = harvester();
      const acked = new Map<number, Acked>();
      const checkedEpochs = new Set<number>();
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined) return null;
        for (const a of harvest(ctx, i)) if (a.mode === "sync") acked.set(a.requestId, a);
        if (s.role !== "primary" || checkedEpochs.has(s.epoch)) return null;
        checkedEpochs.add(s.epoch);
        for (const a of acked.values()) {
          if (a.epoch < s.epoch && !s.seen.has(a.requestId)) {
            return (
              `${ctx.nodes[i]} became primary of epoch ${s.epoch} without write ${a.requestId} (seq ${a.seq}, ` +
              `acknowledged in sync mode in epoch ${a.epoch})`
            );
          }
        }
        return null;
      };
    },
  },
];
