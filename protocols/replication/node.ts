import { assert } from "../../sim/core/assert.ts";
import type { Input, KvOp } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import type { ReplicationMsg } from "./messages.ts";
import type { ReplicationOptions } from "./options.ts";
import {
  advance,
  becomePrimary,
  heartbeat,
  leaseValid,
  maybeRecover,
  onWrite,
  renewLease,
  semiSyncTimeout,
  ship,
  stepDown,
} from "./primary.ts";
import {
  appendEntries,
  applyUpTo,
  type Ctx,
  compact,
  epochAt,
  installSnapshot,
  lastEpoch,
  lastSeq,
  loadState,
  type ReplicationState,
  saveMeta,
  truncateFrom,
} from "./state.ts";

export function createReplication(ctx: Ctx, o: ReplicationOptions, bugs: ReadonlySet<string>): ReplicationState {
  assert(o.leaseMicros < o.failureTimeoutMicros, "protocol.options: leaseMicros must be below failureTimeoutMicros");
  const s: ReplicationState = {
    o,
    bugs,
    id: ctx.id,
    role: "backup",
    epoch: 0,
    votedEpoch: 0,
    primary: null,
    base: 0,
    baseEpoch: 0,
    baseKv: new Map(),
    baseIds: new Set(),
    log: [],
    seen: new Set(),
    kv: new Map(),
    applied: 0,
    commit: 0,
    logVersion: 0,
    heardAt: ctx.now(),
    freshAt: -1,
    votes: new Set(),
    standAt: 0,
    preEpoch: 0,
    preVotes: new Set(),
    votedFor: null,
    progress: new Map(),
    leaseUntil: 0,
    quorumAt: -1,
    waitingWrites: new Map(),
    waitingReads: [],
    degraded: false,
    shipArmed: false,
    acked: [],
    damaged: false,
  };
  loadState(s, ctx);
  return s;
}

function electionTimeout(s: ReplicationState, ctx: Ctx): number {
  return s.o.failureTimeoutMicros + Math.floor(ctx.rng.next() * (s.o.electionJitterMicros + 1));
}

function onStart(s: ReplicationState, ctx: Ctx): void {
  const first = o1(s, ctx);
  if (s.epoch === 0) {
    // First boot of the cluster: the configured primary holds epoch 1 without an election.
    s.epoch = 1;
    s.primary = first;
    if (ctx.id === first) s.votedEpoch = 1;
    saveMeta(s, ctx);
    ctx.sync();
    if (ctx.id === first) return becomePrimary(s, ctx, -s.o.leaseMicros);
  }
  if (s.damaged) ctx.note("disk damaged: this node waits for a full copy and does not vote", {});
  s.heardAt = ctx.now();
  ctx.setTimer("election", electionTimeout(s, ctx));
}

function o1(s: ReplicationState, ctx: Ctx): string {
  return s.o.primary ?? (ctx.nodes[0] as string);
}

export function stepReplication(s: ReplicationState, input: Input<ReplicationMsg>, ctx: Ctx): void {
  switch (input.kind) {
    case "start":
      return onStart(s, ctx);
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      return onTimer(s, input.name, ctx);
    default:
      return assertNever(input, "input");
  }
}

function onTimer(s: ReplicationState, name: string, ctx: Ctx): void {
  if (name === "heartbeat") {
    if (s.role !== "primary") return;
    heartbeat(s, ctx);
    return advance(s, ctx);
  }
  if (name === "ship") return s.role === "primary" ? ship(s, ctx) : undefined;
  if (name === "election") return preVote(s, ctx);
  if (name === "canvass") return canvass(s, ctx);
  if (name.startsWith("semi:")) return semiSyncTimeout(s, ctx, Number(name.slice(5)));
  assert(false, `unknown timer ${name}`);
}

/**
 * The failure detector fired: no primary heard for the timeout. First a pre-vote (Raft's PreVote): only when a
 * majority would vote does the node stand, so a node cut off with a minority never raises epochs that would depose a
 * live primary when it returns.
 */
function preVote(s: ReplicationState, ctx: Ctx): void {
  if (s.role === "primary") return;
  ctx.setTimer("election", electionTimeout(s, ctx) - s.o.failureTimeoutMicros + 4 * s.o.heartbeatMicros);
  if (s.damaged || ctx.now() - s.heardAt < s.o.failureTimeoutMicros) return;
  s.preEpoch = Math.max(s.epoch, s.votedEpoch) + 1;
  s.preVotes = new Set([ctx.id]);
  for (const peer of ctx.peers) {
    ctx.send(peer, { type: "pre-vote-request", epoch: s.preEpoch, lastSeq: lastSeq(s), lastEpoch: lastEpoch(s) });
  }
  assert(s.preEpoch > s.votedEpoch, "a pre-vote asks for a new epoch");
}

/** Stand for the next epoch (a majority said in the pre-vote that it would vote). */
function stand(s: ReplicationState, ctx: Ctx): void {
  assert(s.role !== "primary" && !s.damaged, "only a healthy backup stands");
  s.preEpoch = 0;
  s.role = "candidate";
  // The candidate's epoch is its vote (votedEpoch); `epoch`, which fences older primaries, rises only when it wins,
  // so a node that stood alone behind a partition does not depose a live primary when it returns.
  s.votedEpoch = Math.max(s.epoch, s.votedEpoch) + 1;
  s.primary = null;
  s.votes = new Set([ctx.id]);
  s.standAt = ctx.now();
  saveMeta(s, ctx);
  ctx.sync();
  ctx.note(`stands for epoch ${s.votedEpoch}`, { epoch: s.votedEpoch, lastSeq: lastSeq(s) });
  canvass(s, ctx);
  maybeWin(s, ctx);
}

/** A candidate asks again every heartbeat, so voters whose own failure detector fires later still vote. */
function canvass(s: ReplicationState, ctx: Ctx): void {
  if (s.role !== "candidate") return;
  for (const peer of ctx.peers) {
    if (s.votes.has(peer)) continue;
    ctx.send(peer, { type: "vote-request", epoch: s.votedEpoch, lastSeq: lastSeq(s), lastEpoch: lastEpoch(s) });
  }
  ctx.setTimer("canvass", s.o.heartbeatMicros);
}

function maybeWin(s: ReplicationState, ctx: Ctx): void {
  if (s.role !== "candidate" || s.votes.size <= ctx.nodes.length / 2) return;
  s.epoch = s.votedEpoch;
  saveMeta(s, ctx);
  ctx.sync();
  ctx.metric("failovers", 1);
  // The lease starts with the first heartbeat a majority answers (voters may vote again in a later epoch at once).
  becomePrimary(s, ctx, -s.o.leaseMicros);
}

function onClient(s: ReplicationState, requestId: number, op: KvOp, ctx: Ctx): void {
  if (s.damaged) return ctx.reply(requestId, { type: "fail", error: "disk damaged" });
  if (s.role !== "primary") {
    if (op.f === "read" && s.o.reads === "backup" && s.role === "backup" && s.primary !== null) {
      const staleness = s.freshAt < 0 ? Number.POSITIVE_INFINITY : ctx.now() - s.freshAt;
      if (s.o.maxStalenessMicros === null || staleness <= s.o.maxStalenessMicros) {
        return ctx.reply(requestId, { type: "ok", value: s.kv.get(op.key) ?? null });
      }
    }
    return ctx.reply(requestId, s.primary !== null ? { type: "redirect", leader: s.primary } : { type: "redirect" });
  }
  if (op.f !== "read") return onWrite(s, ctx, requestId, op);
  if (!leaseValid(s, ctx)) return ctx.reply(requestId, { type: "fail", error: "primary without a lease" });
  if (s.commit === lastSeq(s)) return ctx.reply(requestId, { type: "ok", value: s.kv.get(op.key) ?? null });
  s.waitingReads.push({ requestId, key: op.key, index: lastSeq(s) });
}

function onMessage(s: ReplicationState, from: string, msg: ReplicationMsg, ctx: Ctx): void {
  switch (msg.type) {
    case "append":
    case "snapshot":
      return onAppend(s, from, msg, ctx);
    case "append-reply":
      return onAppendReply(s, from, msg, ctx);
    case "vote-request":
      return onVoteRequest(s, from, msg, ctx);
    case "pre-vote-request": {
      const granted = wouldVote(s, from, msg, ctx);
      ctx.send(from, { type: "pre-vote", epoch: msg.epoch, granted });
      if (!granted && s.role === "backup" && quiet(s, from, ctx) && !s.damaged && !upToDate(s, msg)) {
        // A more up-to-date node than the asker: try soon instead of waiting for a whole timeout.
        ctx.setTimer("election", 1 + Math.floor(ctx.rng.next() * s.o.heartbeatMicros));
      }
      return;
    }
    case "pre-vote":
      if (s.role !== "primary" && s.preEpoch === msg.epoch && msg.granted) {
        s.preVotes.add(from);
        if (s.preVotes.size > ctx.nodes.length / 2 && s.preEpoch > s.votedEpoch) stand(s, ctx);
      }
      return;
    case "vote":
      if (s.role === "candidate" && msg.epoch === s.votedEpoch && msg.granted) {
        s.votes.add(from);
        maybeWin(s, ctx);
      }
      return;
    default:
      return assertNever(msg, "replication message");
  }
}

/** A message from a primary: older epochs are refused (fencing); a newer one makes this node its backup. */
function acceptPrimary(s: ReplicationState, from: string, epoch: number, ctx: Ctx): boolean {
  if (epoch < s.epoch) return false;
  if (s.role === "primary" && epoch === s.epoch) {
    assert(s.bugs.has("no-fencing"), () => `two primaries in epoch ${epoch}: ${ctx.id} and ${from}`);
    return false;
  }
  if (epoch > s.epoch || s.role !== "backup") {
    stepDown(s, ctx, epoch);
    saveMeta(s, ctx);
  }
  s.primary = from;
  s.heardAt = ctx.now();
  ctx.setTimer("election", electionTimeout(s, ctx));
  return true;
}

function onAppend(
  s: ReplicationState,
  from: string,
  msg: Extract<ReplicationMsg, { type: "append" | "snapshot" }>,
  ctx: Ctx,
): void {
  if (!acceptPrimary(s, from, msg.epoch, ctx)) {
    ctx.send(from, { type: "append-reply", epoch: s.epoch, ok: false, match: 0, sentAt: -1 });
    return;
  }
  if (msg.type === "snapshot") {
    if (msg.seq > s.commit) {
      installSnapshot(s, ctx, msg);
      s.damaged = false;
      ctx.metric("resync.full-copies", 1, ctx.id);
      ctx.note(`full copy installed at seq ${msg.seq}`, { seq: msg.seq });
    }
    ctx.sync();
    ctx.send(from, { type: "append-reply", epoch: s.epoch, ok: true, match: msg.seq, sentAt: msg.sentAt });
    return;
  }
  if (s.damaged) {
    ctx.send(from, { type: "append-reply", epoch: s.epoch, ok: false, match: 0, sentAt: msg.sentAt });
    return;
  }
  const match = takeEntries(s, msg, ctx);
  if (match < 0) {
    ctx.send(from, { type: "append-reply", epoch: s.epoch, ok: false, match: -match - 1, sentAt: msg.sentAt });
    return;
  }
  if (match >= msg.last) s.freshAt = msg.sentAt;
  const commitTo = Math.min(msg.commit, match);
  if (commitTo > s.applied) applyUpTo(s, commitTo);
  compact(s, ctx);
  ctx.sync();
  assert(s.base <= s.applied && s.applied <= lastSeq(s), "a backup applies only entries it holds");
  ctx.send(from, { type: "append-reply", epoch: s.epoch, ok: true, match, sentAt: msg.sentAt });
}

/**
 * Check (prevSeq, prevEpoch) against the log, drop a conflicting suffix, append what is new. Returns the last seq
 * known to match the primary, or -(retry point)-1 on a mismatch (the seq before the first entry of the epoch that
 * differs, so the primary skips the whole divergent epoch at once).
 */
function takeEntries(s: ReplicationState, msg: Extract<ReplicationMsg, { type: "append" }>, ctx: Ctx): number {
  if (msg.prevSeq > lastSeq(s)) return -lastSeq(s) - 1;
  if (msg.prevSeq >= s.base && epochAt(s, msg.prevSeq) !== msg.prevEpoch) {
    const bad = epochAt(s, msg.prevSeq);
    let k = msg.prevSeq;
    while (k > s.base && epochAt(s, k) === bad) k--;
    return -k - 1;
  }
  const fresh = [];
  let lagRecorded = false;
  for (const e of msg.entries) {
    if (e.seq <= s.base) continue;
    if (e.seq <= lastSeq(s)) {
      if (epochAt(s, e.seq) === e.epoch) continue;
      truncateFrom(s, ctx, e.seq);
    }
    if (!lagRecorded) {
      ctx.metric("replication.lag", Math.max(0, ctx.now() - e.at), ctx.id);
      lagRecorded = true;
    }
    fresh.push(e);
  }
  if (fresh.length > 0) appendEntries(s, ctx, fresh);
  const match = msg.prevSeq + msg.entries.length;
  assert(match <= lastSeq(s), () => `match ${match} past the log end ${lastSeq(s)}`);
  return match;
}

function onAppendReply(
  s: ReplicationState,
  from: string,
  msg: Extract<ReplicationMsg, { type: "append-reply" }>,
  ctx: Ctx,
): void {
  if (msg.epoch > s.epoch) {
    if (s.bugs.has("no-fencing")) return;
    stepDown(s, ctx, msg.epoch);
    saveMeta(s, ctx);
    ctx.sync();
    ctx.setTimer("election", electionTimeout(s, ctx));
    return;
  }
  const p = s.progress.get(from);
  if (s.role !== "primary" || msg.epoch < s.epoch || p === undefined) return;
  p.heardAt = ctx.now();
  p.ackedSentAt = Math.max(p.ackedSentAt, msg.sentAt);
  renewLease(s, ctx);
  if (msg.ok) {
    p.match = Math.max(p.match, msg.match);
    p.next = Math.max(p.next, p.match + 1);
    assert(p.match <= lastSeq(s), () => `${from} matches ${p.match}, past the primary's log end ${lastSeq(s)}`);
  } else {
    p.next = Math.min(p.next, msg.match + 1);
    ship(s, ctx);
  }
  maybeRecover(s, ctx);
  advance(s, ctx);
}

/** A strictly better candidate: a longer log, or as long and a lower id (ties must break one way). */
function better(msg: { lastSeq: number; lastEpoch: number }, s: ReplicationState, from: string, me: string): boolean {
  if (msg.lastEpoch !== lastEpoch(s)) return msg.lastEpoch > lastEpoch(s);
  return msg.lastSeq !== lastSeq(s) ? msg.lastSeq > lastSeq(s) : from < me;
}

/** The candidate's log is at least as up to date as this node's (the promote-stale-backup bug skips the check). */
function upToDate(s: ReplicationState, msg: { lastSeq: number; lastEpoch: number }): boolean {
  if (s.bugs.has("promote-stale-backup")) return true;
  return msg.lastEpoch > lastEpoch(s) || (msg.lastEpoch === lastEpoch(s) && msg.lastSeq >= lastSeq(s));
}

/** No primary heard for the failure timeout (or this node stands itself, or `from` is whom it voted for). */
function quiet(s: ReplicationState, from: string, ctx: Ctx): boolean {
  return s.role === "candidate" || from === s.votedFor || ctx.now() - s.heardAt >= s.o.failureTimeoutMicros;
}

function wouldVote(
  s: ReplicationState,
  from: string,
  msg: { epoch: number; lastSeq: number; lastEpoch: number },
  ctx: Ctx,
): boolean {
  return !s.damaged && s.role !== "primary" && msg.epoch > s.votedEpoch && quiet(s, from, ctx) && upToDate(s, msg);
}

function onVoteRequest(
  s: ReplicationState,
  from: string,
  msg: Extract<ReplicationMsg, { type: "vote-request" }>,
  ctx: Ctx,
): void {
  const grant = wouldVote(s, from, msg, ctx);
  if (grant) {
    // Voting fences the old primary here: its appends (an older epoch) are refused from now on.
    s.votedEpoch = msg.epoch;
    s.votedFor = from;
    if (s.role === "candidate") s.role = "backup";
    s.epoch = msg.epoch;
    s.primary = null;
    s.heardAt = ctx.now();
    saveMeta(s, ctx);
    ctx.sync();
    ctx.setTimer("election", electionTimeout(s, ctx));
  } else if (s.role === "candidate" && msg.epoch === s.votedEpoch && upToDate(s, msg) && better(msg, s, from, ctx.id)) {
    // A better candidate in the same epoch: stand back, so its next epoch gets this vote.
    s.role = "backup";
    ctx.setTimer("election", electionTimeout(s, ctx));
  }
  assert(!grant || (s.votedEpoch === msg.epoch && s.epoch === msg.epoch), "a vote is recorded before it is sent");
  ctx.send(from, { type: "vote", epoch: msg.epoch, granted: grant });
}
