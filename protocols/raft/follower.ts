import { assert } from "../../sim/core/assert.ts";
import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { RaftMsg } from "./messages.ts";
import type { RaftState } from "./state.ts";
import { saveTermVote, sync } from "./storage.ts";

/*
 * The transitions every other part of the node leads to: back to follower, and the election timer. Elections
 * (election.ts) and replication (replication.ts) both import them, and this file imports neither, so the node's modules
 * form no cycle: node -> election -> replication -> follower -> storage.
 */

export function resetElectionTimer(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  const span = s.o.electionMaxMicros - s.o.electionMinMicros;
  assert(span >= 0, "election timeout bounds out of order");
  ctx.setTimer("election", s.o.electionMinMicros + Math.floor(ctx.rng.next() * (span + 1)));
}

/** Adopt a higher term (or a leader of the current one) as a follower. */
export function becomeFollower(s: RaftState, ctx: NodeContext<RaftMsg>, term: number, leader: NodeId | null): void {
  assert(term >= s.term, () => `${s.id}: becomeFollower to term ${term} below its term ${s.term}`);
  assert(leader !== s.id, () => `${s.id}: follows itself`);
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
    s.reads.length = 0; // their clients time out and retry, as for pending writes
    s.leaseUntil = Number.NEGATIVE_INFINITY;
    ctx.cancelTimer("heartbeat");
  }
  s.role = "follower";
  s.leader = leader;
  resetElectionTimer(s, ctx);
}
