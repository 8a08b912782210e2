import type { NodeContext } from "../../sim/core/protocol.ts";
import { fact } from "../commit/facts.ts";
import type { Decision } from "../commit/messages.ts";
import { applyDecision, decisionWithoutVote, type ParticipantRules } from "../commit/participant.ts";
import type { AnyCommitState } from "../commit/state.ts";
import type { ThreePcMsg, TxnState } from "./messages.ts";
import type { PartTxn, PreparedRecord, ThreePcState } from "./state.ts";

type Ctx = NodeContext<ThreePcMsg>;

/**
 * A yes vote makes a transaction "uncertain" and starts its termination clock; a restarted participant reloads it as
 * "recovering" (termination.ts).
 */
export const participantRules: ParticipantRules<PartTxn, PreparedRecord> = {
  votedYes: "uncertain",
  // Written out field by field, in one order for every record (a spread copy makes slow objects of its own shape).
  newTxn: (t) => ({
    txn: t.txn,
    key: t.key,
    op: t.op,
    participants: t.participants,
    phase: t.phase,
    value: t.value,
    recovering: false,
    t0Micros: 0,
    round: 0,
    recovery: null,
    heard: null,
    coordinatorForgot: false,
    dueMicros: t.dueMicros,
  }),
  awaitDecision: startClock,
  record: (t) => ({
    txn: t.txn,
    key: t.key,
    op: t.op,
    participants: [...t.participants],
    value: t.value,
    precommitted: t.phase === "precommitted",
  }),
  reload: (r) => ({
    txn: r.txn,
    key: r.key,
    op: r.op,
    participants: r.participants,
    phase: r.precommitted ? "precommitted" : "uncertain",
    value: r.value,
    recovering: true,
    t0Micros: 0,
    round: 0,
    recovery: null,
    heard: null,
    coordinatorForgot: false,
    dueMicros: 0,
  }),
};

/** (Re)start the termination clock: slot 0 begins one decision timeout from now. */
export function startClock(s: AnyCommitState, t: PartTxn, ctx: NodeContext<unknown>): void {
  t.t0Micros = ctx.now();
  t.round = 0;
  t.dueMicros = t.t0Micros + s.o.decisionTimeoutMicros;
  s.active.add(t.txn);
}

/** Durably prepared to commit. */
export function precommit(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  t.phase = "precommitted";
  ctx.persist(`p:${t.txn}`, participantRules.record(t));
  ctx.sync();
  fact(s, t.txn, "precommit", "precommit");
}

/** PRECOMMIT (from the coordinator or a recovery coordinator): durably prepared to commit, then acknowledge. */
export function onPrecommit(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ptxns.get(txn);
  if (t === undefined || t.phase === "waiting" || t.phase === "abort") return;
  if (t.phase === "uncertain") {
    precommit(s, t, ctx);
    if (from === s.coordinator && !t.recovering && t.recovery === null) startClock(s, t, ctx);
  }
  ctx.send(from, { type: "ack", txn, of: "precommit" });
}

/**
 * COMMIT / ABORT from anyone who decided (the coordinator or a recovery coordinator): apply once, durably; acknowledge.
 */
export function onDecision(s: ThreePcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  const t = s.ptxns.get(txn);
  if (t === undefined || t.phase === "waiting") {
    if (!decisionWithoutVote(participantRules, s, t, txn, decision, ctx)) return;
  } else if (t.phase === "uncertain" || t.phase === "precommitted") finish(s, t, decision, ctx);
  else if (t.phase !== decision)
    ctx.note(`${from} says ${decision} for transaction ${txn}, decided ${t.phase} here: kept`, { txn });
  ctx.send(from, { type: "ack", txn, of: decision });
}

export function finish(s: ThreePcState, t: PartTxn, decision: Decision, ctx: Ctx): void {
  t.recovery = null;
  t.recovering = false;
  applyDecision(participantRules, s, t, decision, ctx);
}

/** This node's state of a transaction, as a recovery coordinator sees it. */
export function stateOf(t: PartTxn | undefined): TxnState {
  if (t === undefined) return "unknown";
  if (t.phase === "commit") return "committed";
  if (t.phase === "abort") return "aborted";
  if (t.phase === "waiting") return "unknown";
  if (t.recovering) return "recovering";
  return t.phase;
}
