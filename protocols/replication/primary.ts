import { assert } from "../../sim/core/assert.ts";
import type { KvOp } from "../../sim/core/protocol.ts";
import { kvResult } from "../kv/kv.ts";
import type { LogEntry } from "./messages.ts";
import {
  appendEntries,
  applyUpTo,
  compact,
  type Ctx,
  entryAt,
  epochAt,
  lastSeq,
  type Progress,
  type ReplicationState,
} from "./state.ts";

/** Become primary of `s.epoch` (elected, or the first primary at boot); the lease starts at `leaseBase`. */
export function becomePrimary(s: ReplicationState, ctx: Ctx, leaseBase: number): void {
  assert(s.votedEpoch === s.epoch, "a primary voted for itself in its epoch");
  s.role = "primary";
  s.primary = ctx.id;
  s.progress = new Map();
  for (const peer of ctx.peers) {
    s.progress.set(peer, {
      match: 0,
      next: lastSeq(s) + 1,
      ackedSentAt: -1,
      heardAt: Number.NEGATIVE_INFINITY,
      matchAtHeartbeat: -1,
    });
  }
  s.leaseUntil = leaseBase + s.o.leaseMicros;
  s.quorumAt = leaseBase;
  s.degraded = false;
  s.waitingWrites = new Map();
  s.waitingReads = [];
  ctx.note(`primary of epoch ${s.epoch}`, { epoch: s.epoch, last: lastSeq(s) });
  ctx.cancelTimer("election");
  heartbeat(s, ctx);
  assert(s.progress.size === ctx.peers.length, "progress for every backup");
}

/** A primary that learns of a higher epoch steps down (the no-fencing bug ignores it). */
export function stepDown(s: ReplicationState, ctx: Ctx, epoch: number): void {
  assert(epoch > s.epoch || s.role !== "primary", "step down only for a higher epoch");
  if (s.role === "primary") ctx.note(`deposed: epoch ${epoch} is newer than ${s.epoch}`, { epoch });
  s.role = "backup";
  s.epoch = epoch;
  s.primary = null;
  s.progress = new Map();
  s.waitingWrites = new Map();
  s.waitingReads = [];
}

function send(s: ReplicationState, ctx: Ctx, peer: string, p: Progress, heartbeatOnly: boolean): void {
  if (p.next <= s.base && p.next <= lastSeq(s)) {
    ctx.send(peer, {
      type: "snapshot",
      epoch: s.epoch,
      seq: s.base,
      snapEpoch: s.baseEpoch,
      kv: [...s.baseKv],
      ids: [...s.baseIds],
      sentAt: ctx.now(),
    });
    p.next = s.base + 1;
    return;
  }
  const from = Math.max(p.next, s.base + 1);
  const to = heartbeatOnly ? from - 1 : Math.min(lastSeq(s), from + s.o.batch - 1);
  const entries = s.log.slice(from - s.base - 1, to - s.base);
  ctx.send(peer, {
    type: "append",
    epoch: s.epoch,
    prevSeq: from - 1,
    prevEpoch: epochAt(s, from - 1),
    entries,
    commit: s.commit,
    last: lastSeq(s),
    sentAt: ctx.now(),
  });
  p.next = to + 1;
}

/** Ship what each backup has not been sent (new entries, batched). */
export function ship(s: ReplicationState, ctx: Ctx): void {
  s.shipArmed = false;
  for (const [peer, p] of s.progress) {
    while (p.next <= lastSeq(s)) {
      const before = p.next;
      send(s, ctx, peer, p, false);
      assert(p.next > before, "shipping moves forward");
    }
  }
}

/** Heartbeat: every backup hears from the primary; a stalled one gets its unacknowledged entries again. */
export function heartbeat(s: ReplicationState, ctx: Ctx): void {
  assert(s.role === "primary", "only a primary heartbeats");
  for (const [peer, p] of s.progress) {
    const stalled = p.match < lastSeq(s) && p.match === p.matchAtHeartbeat;
    if (stalled) p.next = p.match + 1;
    p.matchAtHeartbeat = p.match;
    send(s, ctx, peer, p, p.next > lastSeq(s));
  }
  ctx.setTimer("heartbeat", s.o.heartbeatMicros);
}

/** A client write at the primary: log it durably, ship it, acknowledge it when the mode allows. */
export function onWrite(s: ReplicationState, ctx: Ctx, requestId: number, op: KvOp): void {
  assert(s.role === "primary", "writes go to the primary");
  if (s.seen.has(requestId)) return; // a retry: answered when its entry commits (or never, if it already did)
  const entry: LogEntry = { seq: lastSeq(s) + 1, epoch: s.epoch, requestId, op, at: ctx.now() };
  appendEntries(s, ctx, [entry]);
  ctx.sync();
  s.waitingWrites.set(requestId, entry.seq);
  if (s.o.mode === "semi-sync" && !s.degraded) ctx.setTimer(`semi:${entry.seq}`, s.o.semiSyncTimeoutMicros);
  if (s.o.batchIntervalMicros === 0) ship(s, ctx);
  else if (!s.shipArmed) {
    s.shipArmed = true;
    ctx.setTimer("ship", s.o.batchIntervalMicros);
  }
  advance(s, ctx);
}

/** The k-th highest match among the backups (0 when fewer than k). */
function kthMatch(s: ReplicationState, k: number): number {
  if (k <= 0) return lastSeq(s);
  const matches = [...s.progress.values()].map((p) => p.match).sort((a, b) => b - a);
  return matches[k - 1] ?? 0;
}

/** The highest seq the mode lets the primary acknowledge. */
function ackable(s: ReplicationState, ctx: Ctx): number {
  const last = lastSeq(s);
  const n = s.progress.size + 1;
  switch (s.o.mode) {
    case "async":
      return last;
    case "semi-sync":
      return s.degraded ? last : Math.min(last, kthMatch(s, Math.min(s.o.semiSyncAcks, n - 1)));
    case "sync": {
      if (s.bugs.has("ack-early")) return last;
      // Every backup heard within the failure timeout, and never fewer than a majority with the primary.
      let all = last;
      for (const p of s.progress.values()) {
        if (ctx.now() - p.heardAt <= s.o.failureTimeoutMicros) all = Math.min(all, p.match);
      }
      return Math.min(all, kthMatch(s, Math.floor(n / 2)));
    }
  }
}

export function leaseValid(s: ReplicationState, ctx: Ctx): boolean {
  return s.bugs.has("no-fencing") || ctx.now() < s.leaseUntil;
}

/** Commit what the mode allows, apply it, answer waiting clients (only within the lease: fencing). */
export function advance(s: ReplicationState, ctx: Ctx): void {
  if (s.role !== "primary") return;
  if (!leaseValid(s, ctx)) return;
  const target = Math.max(s.commit, ackable(s, ctx));
  const before = s.commit;
  for (const { e, before: old } of applyUpTo(s, target)) {
    if (!s.waitingWrites.delete(e.requestId)) continue;
    s.acked.push({ requestId: e.requestId, seq: e.seq, epoch: e.epoch, mode: s.degraded ? "async" : s.o.mode });
    ctx.reply(e.requestId, { type: "ok", value: kvResult(old, e.op) });
  }
  const keep: typeof s.waitingReads = [];
  for (const r of s.waitingReads) {
    if (r.index <= s.commit) ctx.reply(r.requestId, { type: "ok", value: s.kv.get(r.key) ?? null });
    else keep.push(r);
  }
  s.waitingReads = keep;
  if (s.commit > before) compact(s, ctx);
  assert(s.commit >= before && s.commit <= lastSeq(s), "commit moves forward within the log");
}

/** Renew the lease from the backups' answers: the send time a majority (with the primary) confirmed. */
export function renewLease(s: ReplicationState, ctx: Ctx): void {
  const n = s.progress.size + 1;
  const need = Math.floor(n / 2); // backups needed beside the primary
  const times = [...s.progress.values()].map((p) => p.ackedSentAt).sort((a, b) => b - a);
  const base = need === 0 ? ctx.now() : (times[need - 1] ?? -1);
  if (base > s.quorumAt) {
    s.quorumAt = base;
    s.leaseUntil = base + s.o.leaseMicros;
  }
  assert(s.leaseUntil <= ctx.now() + s.o.leaseMicros, "a lease never reaches past now + lease");
}

/** Semi-sync: a write waited too long for k backups, so the primary degrades to async (MySQL's timeout). */
export function semiSyncTimeout(s: ReplicationState, ctx: Ctx, seq: number): void {
  if (s.role !== "primary" || s.degraded || seq <= s.commit || seq > lastSeq(s)) return;
  s.degraded = true;
  ctx.metric("semisync.degrades", 1);
  ctx.note(`semi-sync degraded to async: seq ${seq} waited ${s.o.semiSyncTimeoutMicros}us for backups`, { seq });
  advance(s, ctx);
}

/** Semi-sync recovers once k backups have caught up with the whole log. */
export function maybeRecover(s: ReplicationState, ctx: Ctx): void {
  if (!s.degraded || s.role !== "primary") return;
  // Caught up: no entry k backups lack has waited as long as the timeout (none would degrade the primary now).
  const k = Math.min(s.o.semiSyncAcks, s.progress.size);
  const held = kthMatch(s, k);
  if (held < lastSeq(s) && entryAt(s, held + 1).at <= ctx.now() - s.o.semiSyncTimeoutMicros) return;
  s.degraded = false;
  ctx.metric("semisync.recoveries", 1);
  ctx.note("semi-sync recovered: backups caught up", { last: lastSeq(s) });
}
