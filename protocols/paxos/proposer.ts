import { assert } from "../../sim/core/assert.ts";
import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { ballotText, makeBallot, roundOf } from "./ballot.ts";
import { type Cmd, NOOP, type PaxosMsg } from "./messages.ts";
import type { PaxosState } from "./state.ts";
import { noteHint, sendTo } from "./state.ts";

type Promise = Extract<PaxosMsg, { type: "promise" }>;

/** Most client commands a node queues; more are refused (they were never proposed). */
export const MAX_QUEUE = 10_000;

/** Remember the highest round seen, so the next ballot of this node is above it. */
export function noteBallot(s: PaxosState, ballot: number): void {
  const r = roundOf(ballot);
  if (r > s.maxRound) s.maxRound = r;
}

/**
 * Phase 1a with a fresh ballot (round above every round seen, this node's index), over every slot this node has not
 * learned: the prepare asks each acceptor for what it accepted from there on.
 */
export function startRound(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  assert(s.isProposer && s.phase === "idle", `${s.id} starts a round only as an idle proposer (phase ${s.phase})`);
  const round = s.maxRound + 1;
  s.ballot = makeBallot(round, s.index, !s.bug.nonUniqueBallot);
  s.maxRound = round;
  // A ballot is used once: a proposer that restarted must not run a ballot it may have used before (promises for the
  // old prepare still in flight would count for the new one), so the round is durable before the prepare goes out.
  ctx.persist("round", round);
  ctx.sync();
  s.phase = "preparing";
  s.promises = new Map();
  s.prepareFrom = s.chosenThrough + 1;
  ctx.cancelTimer("election");
  ctx.setTimer("round", s.o.roundTimeoutMicros);
  for (const a of s.acceptors) sendTo(s, ctx, a, { type: "prepare", ballot: s.ballot, from: s.prepareFrom });
}

export function onPromise(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, m: Promise): void {
  noteHint(s, from, m.chosenThrough);
  if (s.phase !== "preparing" || m.ballot !== s.ballot) return;
  s.promises.set(from, m);
  if (s.promises.size >= s.quorum) beginPhase2(s, ctx);
}

/**
 * A majority promised. If one of them has learned more than this node, learn that first (a short retry) rather than
 * run phase 2 over slots already chosen. Otherwise propose, for every slot from the prepare's start to the highest
 * slot any promise reported, the value of the highest accepted ballot there, or a no-op where none was accepted (a
 * gap); then this node's own commands in the slots after.
 */
function beginPhase2(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  let ahead: NodeId | null = null;
  let best = new Map<number, readonly [number, Cmd]>();
  let maxSlot = s.prepareFrom - 1;
  for (const [from, p] of s.promises) {
    if (p.chosenThrough > s.chosenThrough + s.o.maxBatch) ahead = from;
    for (const [slot, ballot, cmd] of p.accepted) {
      const had = best.get(slot);
      if (had === undefined || ballot > had[0]) best.set(slot, [ballot, cmd]);
      if (slot > maxSlot) maxSlot = slot;
    }
  }
  if (ahead !== null) {
    sendTo(s, ctx, ahead, { type: "learn-req", from: s.chosenThrough + 1 });
    abandon(s, ctx, "catching up first");
    return;
  }
  s.phase = "proposing";
  s.inflight = new Map();
  if (s.o.mode === "multi") {
    s.leader = s.id;
    s.leaderBallot = s.ballot;
    s.leaderSince = ctx.now();
    s.lastAck = new Map();
    ctx.cancelTimer("round");
    ctx.setTimer("heartbeat", s.o.heartbeatMicros);
    ctx.note(`leader with ballot ${ballotText(s.ballot, s.nodes)}`, {
      ballot: s.ballot,
      from: s.prepareFrom,
      to: maxSlot,
    });
  }
  if (s.bug.skipGapFill) best = new Map();
  let run: Cmd[] = [];
  let runStart = 0;
  for (let slot = s.prepareFrom; slot <= maxSlot; slot++) {
    if (s.chosen[slot] !== undefined) {
      if (run.length > 0) proposeRun(s, ctx, runStart, run);
      run = [];
      continue;
    }
    const accepted = best.get(slot);
    let v: Cmd = accepted?.[1] ?? NOOP;
    if (s.bug.ignoreAccepted && accepted !== undefined) v = takeQueued(s) ?? v;
    if (run.length === 0) runStart = slot;
    run.push(v);
    if (run.length >= s.o.maxBatch) {
      proposeRun(s, ctx, runStart, run);
      run = [];
    }
  }
  if (run.length > 0) proposeRun(s, ctx, runStart, run);
  s.nextSlot = Math.max(maxSlot, s.maxChosen) + 1;
  flushQueue(s, ctx);
  if (s.o.mode === "basic" && s.inflight.size === 0) finishRound(s, ctx);
}

/** The next queued command not applied yet (a retried command may have been chosen meanwhile). */
function takeQueued(s: PaxosState): Cmd | undefined {
  for (;;) {
    const c = s.queue.shift();
    if (c === undefined || c.type !== "kv") return c;
    const session = s.sessions.get(c.clientId);
    if (session === undefined || session.requestId < c.requestId) return c;
  }
}

/** Phase 2a for slots start, start + 1, ...: every acceptor is asked to accept. */
function proposeRun(s: PaxosState, ctx: NodeContext<PaxosMsg>, start: number, values: Cmd[]): void {
  const frozen = Object.freeze(values);
  const now = ctx.now();
  for (let k = 0; k < frozen.length; k++) {
    const v = frozen[k] as Cmd;
    s.inflight.set(start + k, { cmd: v, at: now });
    s.proposedNow.push(v);
  }
  const m: PaxosMsg = { type: "accept", ballot: s.ballot, start, values: frozen, chosenThrough: s.chosenThrough };
  for (const a of s.acceptors) sendTo(s, ctx, a, m);
}

/**
 * Propose queued commands in the next free slots, a batch at a time, while the window has room. In basic mode a round
 * proposes what was queued when its phase 1 ended; later commands wait for the next round.
 */
export function flushQueue(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.flushArmed = false;
  if (s.phase !== "proposing") return;
  while (s.queue.length > 0 && s.inflight.size < s.o.window) {
    const room = Math.min(s.o.maxBatch, s.o.window - s.inflight.size);
    const batch: Cmd[] = [];
    while (batch.length < room) {
      const c = takeQueued(s);
      if (c === undefined) break;
      batch.push(c);
    }
    if (batch.length === 0) break;
    proposeRun(s, ctx, s.nextSlot, batch);
    s.nextSlot += batch.length;
  }
}

/** A slot was learned: the proposal for it is settled; a command that lost its slot goes back to the queue. */
export function onLearned(s: PaxosState, ctx: NodeContext<PaxosMsg>, slot: number, cmd: Cmd): void {
  const mine = s.inflight.get(slot);
  if (mine === undefined) return;
  s.inflight.delete(slot);
  if (mine.cmd.id !== cmd.id && mine.cmd.type === "kv") s.queue.unshift(mine.cmd);
  if (s.phase !== "proposing") return;
  if (s.o.mode === "multi") armFlush(s, ctx);
  else if (s.inflight.size === 0) finishRound(s, ctx);
}

/** Basic mode: the round's slots are all learned. The next round, if commands wait, starts with a new phase 1. */
function finishRound(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.phase = "idle";
  s.attempt = 0;
  ctx.cancelTimer("round");
  if (s.queue.length > 0) armFlush(s, ctx);
}

export function armFlush(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.flushArmed) return;
  s.flushArmed = true;
  ctx.setTimer("flush", s.o.batchMicros);
}

/** The batch timer: a leader proposes what queued; an idle basic-mode proposer starts a round for it. */
export function onFlushTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.flushArmed = false;
  if (s.phase === "proposing" && s.o.mode === "multi") return flushQueue(s, ctx);
  if (s.o.mode === "basic" && s.phase === "idle" && !s.backoffArmed && s.queue.length > 0) startRound(s, ctx);
}

/**
 * Give up the current ballot: proposals not learned go back to the queue (in slot order; if one was chosen after all,
 * it is applied once and answered then). Basic mode retries after a randomized, growing backoff; multi mode waits for
 * its election timer (randomized too).
 */
export function abandon(s: PaxosState, ctx: NodeContext<PaxosMsg>, why: string): void {
  if (s.phase === "idle") return;
  const wasLeader = s.phase === "proposing" && s.o.mode === "multi";
  const back: Cmd[] = [];
  for (const slot of [...s.inflight.keys()].sort((a, b) => a - b)) {
    const c = (s.inflight.get(slot) as { cmd: Cmd }).cmd;
    if (c.type === "kv") back.push(c);
  }
  s.queue.unshift(...back);
  s.inflight = new Map();
  s.phase = "idle";
  s.promises = new Map();
  ctx.cancelTimer("round");
  ctx.cancelTimer("heartbeat");
  if (wasLeader) {
    ctx.note(`${s.id} stops leading ballot ${ballotText(s.ballot, s.nodes)}: ${why}`);
    if (s.leader === s.id) s.leader = null;
  }
  if (s.o.mode === "multi") resetElectionTimer(s, ctx);
  else scheduleRetry(s, ctx);
}

function scheduleRetry(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.attempt = Math.min(s.attempt + 1, 6);
  const base = ctx.rng.range(s.o.backoffMinMicros, s.o.backoffMaxMicros + 1);
  s.backoffArmed = true;
  ctx.setTimer("retry", Math.max(1, Math.round(base * 2 ** (s.attempt - 1))));
}

export function onRetryTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.backoffArmed = false;
  if (s.phase !== "idle" || !s.isProposer) return;
  if (s.queue.length > 0 || s.hintThrough > s.chosenThrough) startRound(s, ctx);
}

/**
 * Basic mode: a gap nobody fills (its proposer gave up or died): a proposer runs phase 1 over it, re-proposing what
 * was accepted and no-ops elsewhere. In multi mode the leader fills gaps, and the election timer replaces a dead one.
 */
export function startRecovery(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.o.mode !== "basic" || !s.isProposer || s.phase !== "idle" || s.backoffArmed) return;
  startRound(s, ctx);
}

/** A round that did not reach a majority in time (lost messages, a dead acceptor): retry with a higher ballot. */
export function onRoundTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.phase === "preparing" || (s.phase === "proposing" && s.o.mode === "basic")) abandon(s, ctx, "round timed out");
}

/** A refusal: someone promised a higher ballot, so this one cannot succeed. */
export function onNack(s: PaxosState, ctx: NodeContext<PaxosMsg>, m: Extract<PaxosMsg, { type: "nack" }>): void {
  noteBallot(s, m.promised);
  if (s.phase !== "idle" && m.ballot === s.ballot && m.promised > s.ballot)
    abandon(s, ctx, `preempted by ballot ${ballotText(m.promised, s.nodes)}`);
}

/** This node's acceptor promised a higher ballot than the one it proposes with: that ballot is dead. */
export function supersededBy(s: PaxosState, ctx: NodeContext<PaxosMsg>, ballot: number): void {
  if (s.phase !== "idle" && ballot > s.ballot) abandon(s, ctx, `preempted by ballot ${ballotText(ballot, s.nodes)}`);
}

// ---- Leadership (multi mode) ----

export function resetElectionTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.o.mode !== "multi" || !s.isProposer) return;
  ctx.setTimer("election", Math.round(ctx.rng.range(s.o.electionMinMicros, s.o.electionMaxMicros + 1)));
}

/** An accept or heartbeat of `ballot` from `from`: it leads, unless this node knows a higher ballot. */
export function followLeader(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, ballot: number): void {
  if (s.o.mode !== "multi" || from === s.id) return;
  if (ballot < s.leaderBallot && s.leader !== null) return;
  if (s.phase !== "idle" && ballot > s.ballot) abandon(s, ctx, `${from} leads ballot ${ballotText(ballot, s.nodes)}`);
  s.leader = from;
  s.leaderBallot = ballot;
  s.lastLeaderContact = ctx.now();
  if (s.phase === "idle") resetElectionTimer(s, ctx);
}

export function onElectionTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.phase !== "idle") return;
  if (s.leader !== null && s.leader !== s.id) ctx.note(`${s.id} lost contact with leader ${s.leader}`);
  s.leader = null;
  startRound(s, ctx);
}

/**
 * Leader tick: step down without a majority's acknowledgement for a lease (or the longest election timeout); else a
 * heartbeat to every node and a resend of proposals still unlearned after a round timeout.
 */
export function onHeartbeatTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.phase !== "proposing" || s.o.mode !== "multi") return;
  const now = ctx.now();
  const lease = s.o.leaseMicros > 0 ? s.o.leaseMicros : s.o.electionMaxMicros;
  if (now - s.leaderSince >= lease) {
    let live = s.isAcceptor && !s.damaged ? 1 : 0;
    for (const a of s.acceptors) if (a !== s.id && now - (s.lastAck.get(a) ?? Number.NEGATIVE_INFINITY) < lease) live++;
    if (live < s.quorum) return abandon(s, ctx, `heard from ${live} of ${s.acceptors.length} acceptors`);
  }
  for (const n of s.nodes)
    if (n !== s.id) ctx.send(n, { type: "heartbeat", ballot: s.ballot, chosenThrough: s.chosenThrough });
  resendStale(s, ctx, now);
  ctx.setTimer("heartbeat", s.o.heartbeatMicros);
}

function resendStale(s: PaxosState, ctx: NodeContext<PaxosMsg>, now: number): void {
  const stale: number[] = [];
  for (const [slot, p] of s.inflight) if (now - p.at >= s.o.roundTimeoutMicros) stale.push(slot);
  if (stale.length === 0) return;
  stale.sort((a, b) => a - b);
  let run: Cmd[] = [];
  let runStart = 0;
  for (let k = 0; k < stale.length; k++) {
    const slot = stale[k] as number;
    if (run.length > 0 && (slot !== runStart + run.length || run.length >= s.o.maxBatch)) {
      proposeRun(s, ctx, runStart, run);
      run = [];
    }
    if (run.length === 0) runStart = slot;
    run.push((s.inflight.get(slot) as { cmd: Cmd }).cmd);
  }
  if (run.length > 0) proposeRun(s, ctx, runStart, run);
}

export function onHeartbeat(
  s: PaxosState,
  ctx: NodeContext<PaxosMsg>,
  from: NodeId,
  m: Extract<PaxosMsg, { type: "heartbeat" }>,
): void {
  noteBallot(s, m.ballot);
  noteHint(s, from, m.chosenThrough);
  if (s.isAcceptor && !s.damaged && m.ballot < s.promised) {
    sendTo(s, ctx, from, { type: "nack", ballot: m.ballot, promised: s.promised });
    return;
  }
  followLeader(s, ctx, from, m.ballot);
  sendTo(s, ctx, from, { type: "heartbeat-ack", ballot: m.ballot });
}

export function onHeartbeatAck(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, ballot: number): void {
  if (s.phase === "proposing" && ballot === s.ballot) s.lastAck.set(from, ctx.now());
}
