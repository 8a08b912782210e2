import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { RaftMsg } from "./messages.ts";
import { becomeLeader } from "./replication.ts";
import { quorum, type RaftState } from "./state.ts";
import { saveTermVote, sync } from "./storage.ts";

export function resetElectionTimer(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  const span = s.o.electionMaxMicros - s.o.electionMinMicros;
  ctx.setTimer("election", s.o.electionMinMicros + Math.floor(ctx.rng.next() * (span + 1)));
}

/** Adopt a higher term (or a leader of the current one) as a follower. */
export function becomeFollower(s: RaftState, ctx: NodeContext<RaftMsg>, term: number, leader: NodeId | null): void {
  if (term > s.term) {
    s.term = term;
    s.votedFor = null;
    saveTermVote(s, ctx);
    sync(s, ctx);
    // The no-step-down bug: a leader adopts the higher term but keeps acting as leader, now in a term it never won.
    if (s.role === "leader" && s.bug.noStepDown) return;
  }
  if (s.role === "leader") {
    s.pendingRequests.clear();
    ctx.cancelTimer("heartbeat");
  }
  s.role = "follower";
  s.leader = leader;
  resetElectionTimer(s, ctx);
}

function canCampaign(s: RaftState): boolean {
  return !s.damaged && s.voters.includes(s.id);
}

/** The election timer fired: start a pre-vote round (PreVote) or an election. */
export function onElectionTimeout(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  resetElectionTimer(s, ctx);
  if (s.role === "leader" || !canCampaign(s)) return;
  if (!s.o.preVote) return startElection(s, ctx);
  s.role = "precandidate";
  s.leader = null;
  s.votes = new Set([s.id]);
  if (s.votes.size >= quorum(s)) return startElection(s, ctx);
  for (const v of s.voters)
    if (v !== s.id)
      ctx.send(v, { type: "vote", term: s.term + 1, lastIndex: s.log.lastIndex, lastTerm: s.log.lastTerm, pre: true });
}

export function startElection(s: RaftState, ctx: NodeContext<RaftMsg>): void {
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
    s.votedFor = from;
    saveTermVote(s, ctx);
    sync(s, ctx);
    resetElectionTimer(s, ctx);
  }
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
    s.votes.add(from);
    if (s.votes.size >= quorum(s)) becomeLeader(s, ctx);
  }
}
