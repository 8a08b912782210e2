import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { replicationBugs } from "./bugs.ts";
import { replicationInvariants } from "./invariants.ts";
import { type ReplicationMsg, replicationMessageSize } from "./messages.ts";
import { createReplication, stepReplication } from "./node.ts";
import { failoverObserver } from "./observers.ts";
import { type ReplicationOptions, replicationOptions } from "./options.ts";
import { lastSeq, type ReplicationState } from "./state.ts";

/**
 * Primary-backup replication across datacenters (docs/replication.md): one primary ships its log in order, in
 * batches, to backups; it acknowledges a write in sync, semi-sync or async mode; backups elect a new primary of a
 * higher epoch when the failure detector times out, and a lease plus the epoch fence the deposed primary.
 */
export const replication: Protocol<ReplicationState, ReplicationMsg, KvOp, ReplicationOptions> = {
  name: "replication",
  description: "Primary-backup replication (sync, semi-sync, async) with failover, epochs and fencing.",
  options: replicationOptions,
  create: createReplication,
  step: stepReplication,
  view: (s) => ({
    role: s.damaged ? "damaged" : s.role,
    term: s.epoch,
    leader: s.primary,
    commitIndex: s.commit,
    last: lastSeq(s),
    ...(s.role === "primary" && s.o.mode === "semi-sync" ? { degraded: s.degraded } : {}),
  }),
  viewHints: { leaderRole: "primary" },
  messageSize: replicationMessageSize,
  messageType: (m) => m.type,
  invariants: replicationInvariants,
  progress: [
    {
      name: "primary-up",
      description: "Some live node is primary of the highest epoch any live node knows.",
      holds: (ctx) => {
        let top = 0;
        for (const s of ctx.states) if (s !== undefined) top = Math.max(top, s.epoch);
        return ctx.states.some((s) => s !== undefined && s.role === "primary" && s.epoch === top);
      },
    },
  ],
  metrics: [
    {
      name: "replication.lag",
      kind: "sample",
      unit: "micros",
      description: "time from the primary logging an entry to a backup holding it (first new entry of each batch)",
      label: "backup",
    },
    { name: "failovers", kind: "counter", unit: "count", description: "primaries elected after a failure" },
    {
      name: "failover.rpo",
      kind: "sample",
      unit: "count",
      description: "acknowledged writes the new primary of a failover does not hold (lost)",
    },
    {
      name: "failover.rto",
      kind: "sample",
      unit: "micros",
      description: "from the old primary's failure to the new primary's first acknowledged write",
    },
    {
      name: "semisync.degrades",
      kind: "counter",
      unit: "count",
      description: "semi-sync primaries that degraded to async after the timeout",
    },
    {
      name: "semisync.recoveries",
      kind: "counter",
      unit: "count",
      description: "degraded semi-sync primaries back to semi-sync once backups caught up",
    },
    {
      name: "resync.full-copies",
      kind: "counter",
      unit: "count",
      description: "full copies sent to backups behind the primary's retained log",
      label: "backup",
    },
  ],
  observers: [failoverObserver],
  roles: ["primary", "backup", "candidate"],
  bugs: replicationBugs,
};
