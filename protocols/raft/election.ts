import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { assert } from "../../sim/core/assert.ts";
import { becomeFollower, resetElectionTimer } from "./follower.ts";
import type { RaftMsg } from "./messages.ts";
import { appendLocal, flush } from "./replication.ts";
import { quorum, type RaftState } from "./state.ts";
import { saveTermVote, sync } from "./storage.ts";

function canCampaign(s: RaftState): boolean {
  return !s.damaged && s.voters.includes(s.id);
}

/** The election timer fired: start a pre-vote round (PreVote) or an election. */
export function onElectionTimeout(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  resetElectionTimer(s, ctx);
  if (s.role === "leader" || !canCampaign(s)) return;
  assert(!s.termLost, () => `${s.id}: campaigns without knowing its term`);
  if (!s.o.preVote) return startElection(s, ctx);
  s.role = "precandidate";
  s.leader = null;
  s.votes = new Set([s.id]);
  assert(s.role === "precandidate" && s.leader === null, "pre-vote: not a precandidate");
  if (s.votes.size >= quorum(s)) return startElection(s, ctx);
  for (const v of s.voters)
    if (v !== s.id)
      ctx.send(v, { type: "vote", term: s.term + 1, lastIndex: s.log.lastIndex, lastTerm: s.log.lastTerm, pre: true });
}

export function startElection(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  assert(canCampaign(s), () => `${s.id}: campaigns while damaged or not a voter`);
  assert(s.role !== "leader", () => `${s.id}: campaigns while leader`);
  s.term++;
  s.votedFor = s.id;
  s.role = "candidate";
  s.leader = null;
  s.votes = new Set([s.id]);
  saveTermVote(s, ctx);
  sync(s, ctx);
  resetElectionTimer(s, ctx);
  if (s.votes.size >= quorum(s)) return becomeLeader(s, ctx);
  for (const v of s.voters)
    if (v !== s.id)
      ctx.send(v, { type: "vote", term: s.term, lastIndex: s.log.lastIndex, lastTerm: s.log.lastTerm, pre: false });
}

function upToDate(s: RaftState, lastIndex: number, lastTerm: number): boolean {
  return lastTerm > s.log.lastTerm || (lastTerm === s.log.lastTerm && lastIndex >= s.log.lastIndex);
}

/** Heard from a live leader within the minimum election timeout (leader stickiness). */
function leaderIsAlive(s: RaftState, ctx: NodeContext<RaftMsg>): boolean {
  return s.role === "leader" || (s.leader !== null && ctx.now() - s.lastLeaderContact < s.o.electionMinMicros);
}

export function onVoteRequest(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "vote" }>,
): void {
  if (m.pre) {
    const granted = m.term > s.term && !s.damaged && upToDate(s, m.lastIndex, m.lastTerm) && !leaderIsAlive(s, ctx);
    ctx.send(from, { type: "vote-resp", term: granted ? m.term : s.term, granted, pre: true });
    return;
  }
  if (s.o.checkQuorum && m.term > s.term && leaderIsAlive(s, ctx)) {
    ctx.send(from, { type: "vote-resp", term: s.term, granted: false, pre: false });
    return;
  }
  if (m.term > s.term) becomeFollower(s, ctx, m.term, null);
  const granted =
    m.term === s.term &&
    !s.damaged &&
    (s.votedFor === null || s.votedFor === from) &&
    upToDate(s, m.lastIndex, m.lastTerm);
  if (granted) {
    assert(s.bug.planted || s.role !== "leader", () => `${s.id}: grants a vote as leader`);
    assert(from !== s.id, () => `${s.id}: grants a vote to itself`);
    s.votedFor = from;
    saveTermVote(s, ctx);
    sync(s, ctx);
    resetElectionTimer(s, ctx);
  }
  assert(!granted || s.votedFor === from, () => `${s.id}: granted ${from} a vote it did not record`);
  ctx.send(from, { type: "vote-resp", term: s.term, granted, pre: false });
}

export function onVoteResponse(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "vote-resp" }>,
): void {
  if (m.term > s.term && !(m.pre && m.granted)) return becomeFollower(s, ctx, m.term, null);
  if (!m.granted || !s.voters.includes(from)) return;
  if (m.pre && s.role === "precandidate" && m.term === s.term + 1) {
    s.votes.add(from);
    if (s.votes.size >= quorum(s)) startElection(s, ctx);
  } else if (!m.pre && s.role === "candidate" && m.term === s.term) {
    assert(s.votedFor === s.id, () => `${s.id}: a candidate that did not vote for itself`);
    s.votes.add(from);
    if (s.votes.size >= quorum(s)) becomeLeader(s, ctx);
  }
}

export function becomeLeader(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  assert(s.role === "candidate" && s.votedFor === s.id, () => `${s.id}: leads without having campaigned`);
  assert(s.votes.size >= quorum(s), () => `${s.id}: leads with ${s.votes.size} votes`);
  s.role = "leader";
  s.leader = s.id;
  s.leaderSince = ctx.now();
  s.leadFrom = s.log.lastIndex + 1;
  s.next = new Map();
  s.match = new Map();
  s.lastAck = new Map();
  s.reads = [];
  s.readSeq = 0;
  s.readAcked = new Map();
  s.roundSentAt = new Map();
  s.leaseUntil = Number.NEGATIVE_INFINITY;
  for (const p of ctx.peers) {
    s.next.set(p, s.log.lastIndex + 1);
    s.match.set(p, 0);
    s.lastAck.set(p, ctx.now());
  }
  ctx.cancelTimer("election");
  // A no-op of the new term lets the leader commit (and so learn the commit point of) earlier entries.
  if (s.o.noopOnElection) appendLocal(s, ctx, { term: s.term, id: `noop${s.term}`, cmd: { type: "noop" } });
  flush(s, ctx);
  ctx.setTimer("heartbeat", s.o.heartbeatMicros);
  assert(s.next.size === ctx.peers.length, "becomeLeader: progress not tracked for every peer");
}
