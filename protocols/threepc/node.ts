import { CORRUPT, type Input, type KvOp, type NodeContext, type NodeView } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { commitOptions } from "../commit/options.ts";
import { coordinatorTick, onAck, onForeignDecision, onOutcomeRequest as coordOutcome, onStateRequest as coordStateRequest, onVote, startTxn } from "./coordinator.ts";
import type { ThreePcMsg } from "./messages.ts";
import { finish, onDecision, onPrecommit, onPrepare } from "./participant.ts";
import type { CoordTxn, PartTxn, PreparedRecord, ThreePcState } from "./state.ts";
import { onOutcomeRequest, onRecoveryAck, onState, onStateRequest, participantTick } from "./termination.ts";

type Ctx = NodeContext<ThreePcMsg>;

export function createThreePc(ctx: Ctx, options: unknown, bugs: ReadonlySet<string>): ThreePcState {
  const o = commitOptions(options);
  const coordinator = o.coordinator ?? (ctx.nodes[0] as string);
  const s: ThreePcState = {
    o,
    bug: { skipPrecommit: bugs.has("skip-precommit"), independentRecovery: bugs.has("independent-recovery") },
    id: ctx.id,
    coordinator,
    isCoordinator: ctx.id === coordinator,
    participants: ctx.nodes.filter((n) => n !== coordinator),
    epoch: 0,
    seq: 0,
    ctxns: new Map(),
    byRequest: new Map(),
    ptxns: new Map(),
    kv: new Map(),
    locks: new Map(),
    waiters: new Map(),
    active: new Set(),
    armedMicros: Number.POSITIVE_INFINITY,
    facts: [],
    committed: 0,
    aborted: 0,
    recovered: 0,
    lastTxn: null,
    damaged: false,
  };
  if (s.isCoordinator) loadCoordinator(s, ctx);
  else loadParticipant(s, ctx);
  return s;
}

function damaged(s: ThreePcState, key: string, ctx: Ctx): void {
  if (!s.damaged) ctx.note(`disk damaged (${key} failed its checksum): this node stops taking part`, { key });
  s.damaged = true;
}

/** The coordinator logs every decision (`dec:<txn>`); those not acknowledged by everyone are re-sent. */
function loadCoordinator(s: ThreePcState, ctx: Ctx): void {
  const epoch = ctx.read("epoch");
  if (epoch === CORRUPT) return damaged(s, "epoch", ctx);
  s.epoch = (typeof epoch === "number" ? epoch : 0) + 1;
  for (const key of ctx.keys("dec:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const r = rec as { decision: "commit" | "abort"; participants: string[]; done: boolean };
    const txn = key.slice(4);
    const t: CoordTxn = { txn, requestId: null, op: { f: "read", key: "" }, participants: r.participants, votes: new Map(), phase: r.decision, unacked: new Set(r.done ? [] : r.participants), dueMicros: 0, outcome: null };
    s.ctxns.set(txn, t);
    if (t.unacked.size > 0) s.active.add(txn);
    if (r.decision === "commit") s.committed++;
    else s.aborted++;
  }
}

function loadParticipant(s: ThreePcState, ctx: Ctx): void {
  for (const key of ctx.keys("kv:")) {
    const v = ctx.read(key);
    if (v === CORRUPT) return damaged(s, key, ctx);
    if (typeof v === "string") s.kv.set(key.slice(3), v);
  }
  for (const key of ctx.keys("d:")) {
    const d = ctx.read(key);
    if (d === CORRUPT) return damaged(s, key, ctx);
    if (d !== "commit" && d !== "abort") continue;
    const txn = key.slice(2);
    s.ptxns.set(txn, { txn, key: "", op: { f: "read", key: "" }, participants: [], phase: d, value: null, recovering: false, t0Micros: 0, round: 0, recovery: null, heard: null, coordinatorForgot: false, dueMicros: Number.POSITIVE_INFINITY });
    if (d === "commit") s.committed++;
    else s.aborted++;
  }
  for (const key of ctx.keys("p:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const r = rec as PreparedRecord;
    const t: PartTxn = { txn: r.txn, key: r.key, op: r.op, participants: r.participants, phase: r.precommitted ? "precommitted" : "uncertain", value: r.value, recovering: true, t0Micros: 0, round: 0, recovery: null, heard: null, coordinatorForgot: false, dueMicros: 0 };
    s.ptxns.set(r.txn, t);
    s.locks.set(r.key, r.txn);
    s.active.add(r.txn);
  }
}

/** Bug independent-recovery: decide undecided transactions from the local log alone. */
function recoverIndependently(s: ThreePcState, ctx: Ctx): void {
  for (const txn of [...s.active]) {
    const t = s.ptxns.get(txn) as PartTxn;
    if (!t.recovering) continue;
    const decision = t.phase === "precommitted" ? "commit" : "abort";
    ctx.note(`restarted ${t.phase} with ${txn} undecided: deciding ${decision} from the local log`, { txn });
    finish(s, t, decision, ctx);
  }
}

export function stepThreePc(s: ThreePcState, input: Input<ThreePcMsg, KvOp>, ctx: Ctx): void {
  if (s.damaged) {
    if (input.kind === "client") ctx.reply(input.requestId, s.isCoordinator ? { type: "fail", error: "coordinator disk damaged" } : { type: "redirect", leader: s.coordinator });
    return;
  }
  switch (input.kind) {
    case "start":
      if (s.isCoordinator) {
        ctx.persist("epoch", s.epoch);
        ctx.sync();
      } else if (s.bug.independentRecovery) recoverIndependently(s, ctx);
      break;
    case "client":
      if (!s.isCoordinator) ctx.reply(input.requestId, { type: "redirect", leader: s.coordinator });
      else startTxn(s, input.requestId, input.op, ctx);
      break;
    case "message":
      if (s.isCoordinator) onCoordinatorMessage(s, input.from, input.msg, ctx);
      else onParticipantMessage(s, input.from, input.msg, ctx);
      break;
    case "timer":
      if (input.name !== "tick") {
        ctx.note(`unknown timer ${input.name}`);
        break;
      }
      s.armedMicros = Number.POSITIVE_INFINITY;
      if (s.isCoordinator) coordinatorTick(s, ctx);
      else participantTick(s, ctx);
      break;
    default:
      assertNever(input, "input");
  }
  rearm(s, ctx);
}

function onCoordinatorMessage(s: ThreePcState, from: string, m: ThreePcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "vote":
      return onVote(s, from, m.txn, m.vote, m.value, m.reason, ctx);
    case "ack":
      return onAck(s, from, m.txn, m.of, ctx);
    case "commit":
    case "abort":
      return onForeignDecision(s, from, m.txn, m.type, ctx);
    case "state-req":
      return coordStateRequest(s, from, m.txn, ctx);
    case "outcome-req":
      return coordOutcome(s, from, m.txn, ctx);
    case "prepare":
    case "precommit":
    case "state":
      return;
    default:
      return assertNever(m, "3pc message");
  }
}

function onParticipantMessage(s: ThreePcState, from: string, m: ThreePcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "prepare":
      return onPrepare(s, from, m, ctx);
    case "precommit":
      return onPrecommit(s, from, m.txn, ctx);
    case "commit":
    case "abort":
      return onDecision(s, from, m.txn, m.type, ctx);
    case "state-req":
      return onStateRequest(s, from, m.txn, ctx);
    case "state":
      return onState(s, from, m.txn, m.state, m.recovering === true, ctx);
    case "ack":
      if (m.of === "precommit") onRecoveryAck(s, from, m.txn, ctx);
      return;
    case "outcome-req":
      return onOutcomeRequest(s, from, m.txn, ctx);
    case "vote":
      return;
    default:
      return assertNever(m, "3pc message");
  }
}

function rearm(s: ThreePcState, ctx: Ctx): void {
  let due = Number.POSITIVE_INFINITY;
  for (const txn of s.active) {
    const t = (s.isCoordinator ? s.ctxns.get(txn) : s.ptxns.get(txn)) as CoordTxn | PartTxn;
    if (t.dueMicros < due) due = t.dueMicros;
  }
  if (due === s.armedMicros) return;
  s.armedMicros = due;
  if (due === Number.POSITIVE_INFINITY) ctx.cancelTimer("tick");
  else ctx.setTimer("tick", Math.max(0, due - ctx.now()));
}

/** Undecided transactions a participant is blocked on: recovering (asking everyone) or past its first slot. */
export function blockedCount(s: ThreePcState): number {
  let n = 0;
  for (const txn of s.active) {
    const t = s.ptxns.get(txn);
    if (t !== undefined && (t.recovering || ((t.phase === "uncertain" || t.phase === "precommitted") && t.round > 0))) n++;
  }
  return n;
}

export function threePcView(s: ThreePcState): NodeView {
  const phase = s.lastTxn === null ? null : s.isCoordinator ? (s.ctxns.get(s.lastTxn)?.phase ?? null) : (s.ptxns.get(s.lastTxn)?.phase ?? null);
  const v: NodeView = { role: s.damaged ? "damaged" : s.isCoordinator ? "coordinator" : "participant", txn: s.lastTxn, phase, active: s.active.size, committed: s.committed, aborted: s.aborted };
  if (!s.isCoordinator) {
    v.locks = s.locks.size;
    v.blocked = blockedCount(s);
    v.recovered = s.recovered;
  }
  return v;
}
