import { assert } from "../../sim/core/assert.ts";
import type { KvOp, NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { kvResult } from "../kv/kv.ts";
import type { RaftMsg } from "./messages.ts";
import { quorum, type RaftState } from "./state.ts";

/*
 * Reads served without a log entry (Raft dissertation 6.4; etcd's ReadOnlySafe and ReadOnlyLeaseBased), with the
 * option `reads`:
 * - "read-index": the leader records its commit index as the read's index (once it has committed an entry of its own
 *   term, so that index covers every committed entry), then confirms it is still the leader: a quorum of voters must
 *   answer an AppendEntries sent after the read arrived. Each such round has a number that the AppendEntries carry
 *   (`read`) and the followers echo. Once confirmed and applied up to the index, the read is answered from the state
 *   machine. No clock is involved.
 * - "lease": as read-index, and every heartbeat starts a round; when a quorum answers round r, sent at local time t,
 *   the leader holds a lease until t + electionMinMicros - leaseClockBoundMicros and answers reads alone until then.
 *   Followers that heard the round do not vote for anyone else for electionMinMicros of their own clocks (CheckQuorum
 *   stickiness, which the option requires), so no other leader exists before the lease ends, as long as the clocks
 *   disagree about that interval by less than the bound. The bug lease-without-clock-bound leaves the bound out.
 */

/** The highest round a quorum of voters has answered (the leader counts itself for every round). */
function confirmedRound(s: RaftState): number {
  assert(s.role === "leader", () => `${s.id}: counts read rounds as a ${s.role}`);
  const acks: number[] = [];
  for (const v of s.voters) acks.push(v === s.id ? s.readSeq : (s.readAcked.get(v) ?? 0));
  acks.sort((a, b) => b - a);
  const q = quorum(s);
  assert(q >= 1, "confirmedRound: an empty quorum");
  return acks.length >= q ? (acks[q - 1] as number) : 0;
}

function leaseHeld(s: RaftState, ctx: NodeContext<RaftMsg>): boolean {
  return s.o.reads === "lease" && ctx.now() < s.leaseUntil;
}

/** Start a confirmation round: every peer gets an AppendEntries carrying it. */
export function startRound(s: RaftState, ctx: NodeContext<RaftMsg>, send: (to: NodeId) => void): void {
  assert(s.role === "leader", () => `${s.id}: starts a read round as ${s.role}`);
  s.readSeq++;
  if (s.o.reads === "lease") s.roundSentAt.set(s.readSeq, ctx.now());
  for (const p of ctx.peers) send(p);
  assert(s.readSeq > 0, "startRound: no round number");
}

/** A client read arrives at the leader. */
export function onRead(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  requestId: number,
  op: Extract<KvOp, { f: "read" }>,
  send: (to: NodeId) => void,
): void {
  assert(s.role === "leader" && s.o.reads !== "log", "onRead: not a leader serving reads without the log");
  s.reads.push({ requestId, op, index: -1, round: 0 });
  serveReads(s, ctx, send);
}

/** A follower answered an AppendEntries that carried round `round`. */
export function onReadAck(s: RaftState, from: NodeId, round: number): void {
  assert(round <= s.readSeq, () => `${s.id}: ${from} answered round ${round}, only ${s.readSeq} started`);
  if (round <= (s.readAcked.get(from) ?? 0)) return;
  s.readAcked.set(from, round);
  if (s.o.reads !== "lease") return;
  const confirmed = confirmedRound(s);
  const sentAt = s.roundSentAt.get(confirmed);
  if (sentAt === undefined) return;
  const bound = s.bug.leaseWithoutClockBound ? 0 : s.o.leaseClockBoundMicros;
  s.leaseUntil = Math.max(s.leaseUntil, sentAt + s.o.electionMinMicros - bound);
  for (const r of s.roundSentAt.keys()) if (r <= confirmed) s.roundSentAt.delete(r);
  assert(!s.roundSentAt.has(confirmed), "onReadAck: a confirmed round is still pending");
}

/** Answer every pending read that can be answered now; start a round for those that need one. */
export function serveReads(s: RaftState, ctx: NodeContext<RaftMsg>, send: (to: NodeId) => void): void {
  if (s.reads.length === 0 || s.role !== "leader") return;
  assert(s.o.reads !== "log", () => `${s.id}: reads pending without a log entry in reads: log mode`);
  const ownTermCommitted = s.log.term(s.commit) === s.term;
  let needRound = false;
  let confirmed = -1;
  let kept = 0;
  for (const r of s.reads) {
    if (r.index < 0 && ownTermCommitted) r.index = s.commit;
    if (r.index >= 0 && r.round === 0 && !leaseHeld(s, ctx)) {
      r.round = s.readSeq + 1;
      needRound = true;
    }
    if (confirmed < 0 && r.round > 0) confirmed = confirmedRound(s);
    const ready = r.index >= 0 && s.applied >= r.index && (r.round > 0 ? confirmed >= r.round : leaseHeld(s, ctx));
    if (ready) {
      assert(s.applied >= r.index && r.index <= s.commit, "serveReads: a read answered before its index applied");
      ctx.reply(r.requestId, { type: "ok", value: kvResult(s.kv.get(r.op.key) ?? null, r.op) });
    } else s.reads[kept++] = r;
  }
  s.reads.length = kept;
  if (needRound) startRound(s, ctx, send);
}
