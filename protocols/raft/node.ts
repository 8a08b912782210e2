import type { ClientReply, Input, KvOp, NodeContext } from "../../sim/core/protocol.ts";
import { assert } from "../../sim/core/assert.ts";
import { assertNever } from "../../sim/core/types.ts";
import { assertBounds } from "./bounds.ts";
import { onElectionTimeout, onVoteRequest, onVoteResponse } from "./election.ts";
import { resetElectionTimer } from "./follower.ts";
import { applyCommitted } from "./machine.ts";
import type { RaftMsg } from "./messages.ts";
import type { RaftOptions } from "./options.ts";
import {
  appendLocal,
  armFlush,
  flush,
  onAppend,
  onAppendResponse,
  onHeartbeat,
  onSnapshot,
  onSnapshotResponse,
  sendAppend,
} from "./replication.ts";
import { onRead } from "./reads.ts";
import { initialState, type RaftState } from "./state.ts";
import { load } from "./storage.ts";

export function createRaft(ctx: NodeContext<RaftMsg>, o: RaftOptions, bugs: ReadonlySet<string>): RaftState {
  const flags = {
    commitOldTerm: bugs.has("commit-old-term"),
    forgetVote: bugs.has("forget-vote"),
    noPrevLogCheck: bugs.has("no-prev-log-check"),
    noStepDown: bugs.has("no-step-down"),
    damagedSnapshotStalls: bugs.has("damaged-snapshot-stalls"),
    leaseWithoutClockBound: bugs.has("lease-without-clock-bound"),
  };
  const planted = Object.values(flags).some((on) => on);
  const s = initialState(ctx.id, ctx.nodes, o, { ...flags, planted });
  load(s, ctx);
  return s;
}

export function stepRaft(s: RaftState, input: Input<RaftMsg, KvOp>, ctx: NodeContext<RaftMsg>): void {
  s.log.forgetDropped(); // the checks read what the previous step compacted away after that step
  assertBounds(s);
  const term = s.term;
  const commit = s.commit;
  switch (input.kind) {
    case "start":
      applyCommitted(s, ctx);
      // The preferred leader campaigns first at first boot: before any other node's timeout can fire.
      if (!input.restart && s.o.preferredLeader === s.id)
        ctx.setTimer("election", Math.max(1, Math.floor(s.o.electionMinMicros / 4)));
      else resetElectionTimer(s, ctx);
      break;
    case "timer":
      onTimer(s, input.name, ctx);
      break;
    case "message":
      onMessage(s, input.from, input.msg, ctx);
      break;
    case "client":
      onClient(s, input.requestId, input.clientId, input.op, ctx);
      break;
    default:
      assertNever(input, "input");
  }
  assert(s.term >= term, () => `${s.id}: term moved back from ${term} to ${s.term}`);
  assert(s.commit >= commit, () => `${s.id}: commit index moved back from ${commit} to ${s.commit} in one step`);
  assertBounds(s);
}

function onTimer(s: RaftState, name: string, ctx: NodeContext<RaftMsg>): void {
  switch (name) {
    case "election":
      return onElectionTimeout(s, ctx);
    case "heartbeat":
      return onHeartbeat(s, ctx);
    case "flush":
      if (s.role === "leader") flush(s, ctx);
      else s.flushArmed = false;
      return;
    default:
      ctx.note(`unknown timer ${name}`);
  }
}

function onMessage(s: RaftState, from: string, m: RaftMsg, ctx: NodeContext<RaftMsg>): void {
  // Without its term it could acknowledge a stale leader's entries over ones it acknowledged in a later term, or adopt
  // (and persist) a term older than the one it lost: it behaves as down.
  if (s.termLost) return;
  switch (m.type) {
    case "vote":
      return onVoteRequest(s, ctx, from, m);
    case "vote-resp":
      return onVoteResponse(s, ctx, from, m);
    case "append":
      return onAppend(s, ctx, from, m);
    case "append-resp":
      return onAppendResponse(s, ctx, from, m);
    case "snapshot":
      return onSnapshot(s, ctx, from, m);
    case "snapshot-resp":
      return onSnapshotResponse(s, ctx, from, m);
    default:
      return assertNever(m, "raft message");
  }
}

/**
 * Client requests: followers redirect to the leader they know; the leader answers a retry of an applied request from
 * the client's session, and otherwise appends the command (reads too: reads go through the log, so a deposed leader
 * can never answer a stale read).
 */
function onClient(s: RaftState, requestId: number, clientId: string, op: KvOp, ctx: NodeContext<RaftMsg>): void {
  assert(requestId >= 0 && clientId !== "", () => `${s.id}: a client request ${requestId} from "${clientId}"`);
  if (s.role !== "leader") {
    const reply: ClientReply =
      s.leader !== null && s.leader !== s.id ? { type: "redirect", leader: s.leader } : { type: "redirect" };
    return ctx.reply(requestId, reply);
  }
  const session = s.sessions.get(clientId);
  if (session !== undefined && session.requestId === requestId)
    return ctx.reply(requestId, { type: "ok", value: session.result });
  if (s.pendingRequests.has(requestId)) return; // already in the log; answered when applied
  if (op.f === "read" && s.o.reads !== "log") return onRead(s, ctx, requestId, op, (p) => sendAppend(s, ctx, p));
  appendLocal(s, ctx, {
    term: s.term,
    id: `r${requestId}`,
    cmd: { type: "kv", requestId, clientId, op: Object.isFrozen(op) ? op : copyOp(op) },
  });
  s.pendingRequests.add(requestId);
  assert(
    s.bug.planted || s.log.lastIndex >= s.commit,
    () => `${s.id}: appended a request, yet holds ${s.log.lastIndex} < ${s.commit}`,
  );
  armFlush(s, ctx);
}

/**
 * A copy of a client op for the log (a frozen op, the standard workload's, is kept as it is), built field by field. A
 * spread copy of ops of several shapes gets a map (hidden class) of its own in V8, and freezing it another: at 1,000
 * ops/s that was 60,000 maps a minute for the garbage collector to trace, and every walk over such an object (the
 * disk's frozen check) built a fresh enumeration cache.
 */
function copyOp(op: KvOp): KvOp {
  switch (op.f) {
    case "read":
      return { f: "read", key: op.key };
    case "write":
      return { f: "write", key: op.key, value: op.value };
    case "cas":
      return { f: "cas", key: op.key, expected: op.expected, value: op.value };
    case "append":
      return { f: "append", key: op.key, value: op.value };
    default:
      return assertNever(op, "kv op");
  }
}
