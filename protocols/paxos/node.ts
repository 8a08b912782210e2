import { assert } from "../../sim/core/assert.ts";
import type { ClientReply, Input, KvOp, NodeContext } from "../../sim/core/protocol.ts";
import { assertNever, type NodeId } from "../../sim/core/types.ts";
import { onAccept, onPrepare } from "./acceptor.ts";
import { ballotText, roundOf } from "./ballot.ts";
import { bugFlags } from "./bugs.ts";
import { armCatchup, onAccepted, onCatchupTimer, onLearnReq, onLearnResp } from "./learner.ts";
import type { Cmd, PaxosMsg } from "./messages.ts";
import type { PaxosOptions } from "./options.ts";
import {
  armFlush,
  MAX_QUEUE,
  onElectionTimer,
  onFlushTimer,
  onHeartbeat,
  onHeartbeatAck,
  onHeartbeatTimer,
  onNack,
  onPromise,
  onRetryTimer,
  onRoundTimer,
  resetElectionTimer,
} from "./proposer.ts";
import { tailRuns } from "./slotRuns.ts";
import { initialState, type PaxosState } from "./state.ts";
import { loadAcceptor } from "./storage.ts";

/** Most messages a node sends itself while handling one input (a bound, not a tuning knob). */
const MAX_LOCAL_PER_STEP = 1_000_000;

export function createPaxos(ctx: NodeContext<PaxosMsg>, o: PaxosOptions, bugs: ReadonlySet<string>): PaxosState {
  const s = initialState(ctx.id, ctx.nodes, o, bugFlags(bugs));
  assert(s.index >= 0, `${ctx.id} is one of the nodes`);
  assert(s.acceptors.length <= 30, `at most 30 acceptors (a learner's tally is a bit mask), got ${s.acceptors.length}`);
  loadAcceptor(s, ctx);
  return s;
}

export function stepPaxos(s: PaxosState, input: Input<PaxosMsg, KvOp>, ctx: NodeContext<PaxosMsg>): void {
  s.learnedNow.length = 0;
  s.proposedNow.length = 0;
  switch (input.kind) {
    case "start":
      resetElectionTimer(s, ctx);
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
  for (let n = 0; s.local.length > 0; n++) {
    assert(n < MAX_LOCAL_PER_STEP, `${s.id} sent itself more than ${MAX_LOCAL_PER_STEP} messages in one step`);
    onMessage(s, s.id, s.local.shift() as PaxosMsg, ctx);
  }
  armCatchup(s, ctx);
}

function onTimer(s: PaxosState, name: string, ctx: NodeContext<PaxosMsg>): void {
  switch (name) {
    case "election":
      return onElectionTimer(s, ctx);
    case "heartbeat":
      return onHeartbeatTimer(s, ctx);
    case "round":
      return onRoundTimer(s, ctx);
    case "retry":
      return onRetryTimer(s, ctx);
    case "flush":
      return onFlushTimer(s, ctx);
    case "catchup":
      return onCatchupTimer(s, ctx);
    default:
      ctx.note(`unknown timer ${name}`);
  }
}

function onMessage(s: PaxosState, from: NodeId, m: PaxosMsg, ctx: NodeContext<PaxosMsg>): void {
  switch (m.type) {
    case "prepare":
      return onPrepare(s, ctx, from, m);
    case "promise":
      return onPromise(s, ctx, from, m);
    case "nack":
      return onNack(s, ctx, m);
    case "accept":
      return onAccept(s, ctx, from, m);
    case "accepted":
      if (s.phase === "proposing" && m.ballot === s.ballot) s.lastAck.set(from, ctx.now());
      return onAccepted(s, ctx, from, m);
    case "heartbeat":
      return onHeartbeat(s, ctx, from, m);
    case "heartbeat-ack":
      return onHeartbeatAck(s, ctx, from, m.ballot);
    case "learn-req":
      return onLearnReq(s, ctx, from, m);
    case "learn-resp":
      return onLearnResp(s, ctx, from, m);
    default:
      return assertNever(m, "paxos message");
  }
}

/**
 * Client requests. Multi mode: the leader queues the command for the next batch, others redirect to the leader they
 * know (a node running phase 1 keeps it: it may lead soon). Basic mode: any proposer queues it and runs a round. A
 * retry of an applied request is answered from the client's session; one already queued is answered when applied.
 */
function onClient(s: PaxosState, requestId: number, clientId: string, op: KvOp, ctx: NodeContext<PaxosMsg>): void {
  if (!s.isProposer) return ctx.reply(requestId, redirect(s));
  const session = s.sessions.get(clientId);
  if (session !== undefined && session.requestId === requestId)
    return ctx.reply(requestId, { type: "ok", value: session.result });
  if (s.pending.has(requestId)) return;
  if (s.o.mode === "multi" && s.phase === "idle") return ctx.reply(requestId, redirect(s));
  if (s.queue.length >= MAX_QUEUE) return ctx.reply(requestId, { type: "fail", error: "queue full" });
  const cmd: Cmd = Object.freeze({ type: "kv", id: `r${requestId}`, requestId, clientId, op: Object.freeze(op) });
  s.queue.push(cmd);
  s.pending.add(requestId);
  if (s.o.mode === "multi" && s.phase !== "proposing") return;
  if (s.o.mode === "basic" && (s.phase !== "idle" || s.backoffArmed)) return;
  armFlush(s, ctx);
}

function redirect(s: PaxosState): ClientReply {
  return s.leader !== null && s.leader !== s.id ? { type: "redirect", leader: s.leader } : { type: "redirect" };
}

/** The view keeps the last this many runs of slot rounds: a view is written on every change, so it stays small. */
export const MAX_SLOT_RUNS = 32;

/** What the viewer draws: role, ballots, leader, and the accepted and learned slot ranges. */
export interface PaxosView {
  role: string;
  term: number;
  ballot: string;
  promised: string;
  leader: string | null;
  acceptedFrom: number;
  acceptedTo: number;
  commitIndex: number;
  chosenTo: number;
  applied: number;
  /**
   * The rounds of the learned slots as runs [firstSlot, round] (0: not learned, or learned by catch-up), at most the
   * last MAX_SLOT_RUNS.
   */
  logTerms: readonly (readonly [number, number])[];
  /** The last learned slot (the viewer draws slots 1..logLength). */
  logLength: number;
  [field: string]: unknown;
}

function roleOf(s: PaxosState): string {
  let role: string;
  if (s.phase === "preparing") role = s.o.mode === "multi" ? "candidate" : "preparing";
  else if (s.phase === "proposing") role = s.o.mode === "multi" ? "leader" : "proposing";
  else role = s.isAcceptor ? "acceptor" : "learner";
  return s.damaged ? `${role} (damaged)` : role;
}

/** Rebuilt only when a field changed (the engine skips comparing an identical object). */
export function paxosView(s: PaxosState): PaxosView {
  const role = roleOf(s);
  const v = s.lastView as PaxosView | undefined;
  const ballot = s.phase === "idle" ? 0 : s.ballot;
  const leader = s.o.mode === "multi" ? s.leader : null;
  const logTerms = tailRuns(s.slotRuns, MAX_SLOT_RUNS);
  if (
    v !== undefined &&
    v.role === role &&
    v.ballotNumber === ballot &&
    v.promisedNumber === s.promised &&
    v.leader === leader &&
    v.acceptedFrom === s.minAccepted &&
    v.acceptedTo === s.maxAccepted &&
    v.commitIndex === s.chosenThrough &&
    v.chosenTo === s.maxChosen &&
    v.applied === s.applied &&
    v.logLength === s.maxChosen &&
    v.logTerms === logTerms
  )
    return v;
  const view: PaxosView = {
    role,
    term: roundOf(Math.max(s.promised, ballot)),
    ballot: ballotText(ballot, s.nodes),
    ballotNumber: ballot,
    promised: ballotText(s.promised, s.nodes),
    promisedNumber: s.promised,
    leader,
    acceptedFrom: s.minAccepted,
    acceptedTo: s.maxAccepted,
    commitIndex: s.chosenThrough,
    chosenTo: s.maxChosen,
    applied: s.applied,
    logTerms,
    logLength: s.maxChosen,
  };
  s.lastView = view;
  return view;
}
