import type { Invariant, KvOp, Protocol } from "../../sim/core/protocol.ts";
import { createShard, entryBytes, type ShardMsg, type ShardState, stepShard } from "./node.ts";
import { type ShardingOptions, shardingOptions } from "./options.ts";

export const shardingBugs: Record<string, string> = {
  "serve-before-handoff":
    "A node that becomes a key's primary serves it as soon as it learns the new ring, before the old primary's " +
    "data arrived: it reads a stale (empty) value, and the data that arrives later is dropped (lost writes).",
};

const invariants: Invariant<ShardState, ShardingOptions>[] = [
  {
    name: "single-owner",
    description: "No key is served (held as primary with its data) by two live nodes at once.",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (const key of s.prim.keys())
        for (const [j, t] of ctx.states.entries())
          if (j !== i && t?.prim.has(key)) return `${ctx.nodes[i]} and ${ctx.nodes[j]} both serve ${key}`;
      return null;
    },
  },
  {
    name: "no-acked-write-lost",
    description:
      "For every key, the version held by its serving node (or, while it moves, the version in flight) is at " +
      "least the highest version any node acknowledged to a client.",
    create: () => (ctx) => {
      const acked = new Map<string, number>();
      for (const s of ctx.states) for (const [k, v] of s?.acked ?? []) if (v > (acked.get(k) ?? 0)) acked.set(k, v);
      for (const [key, v] of acked) {
        // The serving node's version if one serves the key; otherwise the newest handed-off copy (in flight; an
        // older epoch's handed copy of the same key is older still, so the newest is the one moving now).
        let served = -1;
        let inFlight = -1;
        for (const s of ctx.states) {
          if (s === undefined) continue;
          const p = s.prim.get(key);
          if (p !== undefined) served = Math.max(served, p.version);
          else if (s.handed.has(key)) inFlight = Math.max(inFlight, s.handed.get(key)?.version ?? 0);
        }
        const held = served >= 0 ? served : inFlight;
        if (held >= 0 && held < v)
          return `${key}: version ${v} was acknowledged, but the node serving it holds ${held}`;
      }
      return null;
    },
  },
];

/**
 * A key-value store sharded over a consistent-hash ring (protocols/kv/ring.ts). Each key's primary (its first ring
 * owner) serves it; the next `replicas - 1` owners hold copies. Membership changes are scheduled in the options: a
 * controller starts each, and every old primary streams only the keys whose owners change, in bandwidth-limited
 * batches, while it keeps serving the keys it has not sent yet. A new primary serves a key once its data arrived
 * (it fetches a key a client waits for at once); in between the old primary redirects there, so each key has one
 * server at a time and the store stays linearizable.
 */
export const sharding: Protocol<ShardState, ShardMsg, KvOp, ShardingOptions> = {
  name: "sharding",
  description: "A key-value store sharded by consistent hashing, adding and removing nodes under load.",
  options: shardingOptions,
  create: createShard,
  step: stepShard,
  view: (s) => ({
    role: s.epochs[s.epoch]?.includes(s.id) ? "member" : "spare",
    epoch: s.epoch,
    keys: s.prim.size,
    copies: s.copies.size,
    moving: [...s.streams.values()].filter((x) => !x.done).length,
  }),
  messageSize: (m) =>
    m.type === "batch"
      ? 32 + m.entries.reduce((n, e) => n + entryBytes(e.key, e.item), 0)
      : m.type === "give" || m.type === "copy"
        ? 32 + entryBytes(m.key, m.item)
        : 32,
  messageType: (m) => m.type,
  invariants,
  metrics: [
    {
      name: "rebalance.keys-moved",
      kind: "counter",
      unit: "count",
      label: "change",
      description: "keys streamed to a new owner",
    },
    {
      name: "rebalance.bytes-moved",
      kind: "counter",
      unit: "bytes",
      label: "change",
      description: "bytes of the keys streamed (16 + key + value each)",
    },
    {
      name: "rebalance.time",
      kind: "sample",
      unit: "micros",
      label: "change",
      description: "from a change's start to the end of its last stream",
    },
    {
      name: "rebalance.ring-keyspace-moved",
      kind: "gauge",
      unit: "count",
      label: "change",
      description: "keys of the key space whose owners change on the ring",
    },
    {
      name: "rebalance.mod-n-keyspace-moved",
      kind: "gauge",
      unit: "count",
      label: "change",
      description: "keys of the key space whose owners would change under hash mod n",
    },
    {
      name: "rebalance.ring-fraction",
      kind: "gauge",
      unit: "ratio",
      label: "change",
      description: "ring-keyspace-moved / key space",
    },
    {
      name: "rebalance.mod-n-fraction",
      kind: "gauge",
      unit: "ratio",
      label: "change",
      description: "mod-n-keyspace-moved / key space",
    },
    {
      name: "keys-per-node",
      kind: "gauge",
      unit: "count",
      label: "node",
      description: "keys a node serves as primary",
    },
  ],
  roles: ["member", "spare"],
  bugs: shardingBugs,
};
