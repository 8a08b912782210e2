import type { NodeContext } from "../../sim/core/protocol.ts";
import type { Decision } from "../commit/messages.ts";
import { dueNow } from "../commit/node.ts";
import { markAborted, voteNoAfterWait } from "../commit/participant.ts";
import type { ThreePcMsg, TxnState } from "./messages.ts";
import { finish, participantRules, precommit, stateOf } from "./participant.ts";
import type { PartTxn, ThreePcState } from "./state.ts";

/*
 * The termination protocol (Skeen 1981), for crash failures in a synchronous network. A participant that voted yes
 * and hears nothing from the coordinator for one decision timeout suspects it. Time after that is cut into slots of
 * one decision timeout each; in slot r the participant participants[r % n] is the recovery coordinator: it collects
 * every participant's state (and the coordinator's, if it answers) and decides:
 *   some committed -> commit; some aborted -> abort; some precommitted -> first bring the uncertain ones to
 *   precommitted, then commit; all uncertain -> abort.
 * A recovery coordinator takes at most half a slot, so its decision reaches the others before the next slot starts.
 * A participant that restarted with the transaction undecided is "recovering": it never decides on its own (it may
 * have missed what happened while it was down) and only asks. Safe under crashes with bounded delays; NOT safe under
 * partitions or long delays, where both sides of a cut can decide differently (see docs/commit-protocols.md).
 */

type Ctx = NodeContext<ThreePcMsg>;

export function participantTick(s: ThreePcState, ctx: Ctx): void {
  const now = ctx.now();
  for (const t of dueNow(s.active, s.ptxns, now)) {
    if (t.phase === "waiting") voteNoAfterWait(s, t, ctx);
    else if (t.recovering) askEveryone(s, t, ctx);
    else if (t.recovery !== null && t.recovery.dueMicros <= now) conclude(s, t, ctx);
    else if (t.phase === "uncertain" || t.phase === "precommitted") nextSlot(s, t, ctx);
  }
}

/** Send to the transaction's other participants, then to the coordinator. */
function toEveryoneElse(s: ThreePcState, t: PartTxn, m: ThreePcMsg, ctx: Ctx): void {
  for (const p of t.participants) if (p !== s.id) ctx.send(p, m);
  ctx.send(s.coordinator, m);
}

function askEveryone(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  toEveryoneElse(s, t, { type: "outcome-req", txn: t.txn }, ctx);
  t.dueMicros = ctx.now() + s.o.retryMicros;
}

function slotStart(s: ThreePcState, t: PartTxn, round: number): number {
  return t.t0Micros + (round + 1) * s.o.decisionTimeoutMicros;
}

/** Slot t.round begins: run the recovery if it is this node's turn; then wait for the next slot. */
function nextSlot(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  const round = t.round++;
  t.dueMicros = slotStart(s, t, t.round);
  const candidate = t.participants[round % t.participants.length];
  if (candidate !== s.id) return;
  t.recovery = {
    round,
    phase: "collecting",
    states: new Map([[s.id, stateOf(t)]]),
    waiting: new Set(),
    dueMicros: ctx.now() + Math.floor(s.o.decisionTimeoutMicros / 4),
  };
  t.dueMicros = Math.min(t.dueMicros, t.recovery.dueMicros);
  ctx.note("recovery coordinator", { txn: t.txn, round });
  toEveryoneElse(s, t, { type: "state-req", txn: t.txn, round }, ctx);
}

/**
 * Someone asks about a transaction this node never voted for (unknown here, or waiting for the lock): abort it first.
 */
function abortIfUnvoted(s: ThreePcState, txn: string, ctx: Ctx): PartTxn {
  const t = s.ptxns.get(txn);
  if (t === undefined) markAborted(participantRules, s, txn, ctx);
  else if (t.phase === "waiting") voteNoAfterWait(s, t, ctx);
  return s.ptxns.get(txn) as PartTxn;
}

/** A recovery coordinator asks for this node's state. A transaction never voted for is aborted here first. */
export function onStateRequest(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = abortIfUnvoted(s, txn, ctx);
  ctx.send(from, { type: "state", txn, state: stateOf(t) });
}

export function onState(
  s: ThreePcState,
  from: string,
  txn: string,
  state: TxnState,
  recovering: boolean,
  ctx: Ctx,
): void {
  const t = s.ptxns.get(txn);
  if (t === undefined) return;
  if (t.recovering) return onStateWhileRecovering(s, t, from, state, recovering, ctx);
  const r = t.recovery;
  if (r === null || r.phase !== "collecting") return;
  r.states.set(from, recovering ? "recovering" : state);
  if (t.participants.every((p) => r.states.has(p))) conclude(s, t, ctx);
}

/**
 * Total failure: every participant restarted with the transaction undecided (so none may run the termination
 * protocol) and the coordinator has no record of it (it logs every decision before sending it, so it never decided
 * and, the transaction being from an earlier incarnation, never will). Nobody decided, nobody else can: with every
 * participant's state in hand, all recovering participants apply the same rule to the same (now frozen) states:
 * some precommitted -> commit (every vote was yes), otherwise abort.
 */
function onStateWhileRecovering(
  s: ThreePcState,
  t: PartTxn,
  from: string,
  state: TxnState,
  recovering: boolean,
  ctx: Ctx,
): void {
  if (from === s.coordinator) {
    if (state === "unknown") t.coordinatorForgot = true;
  } else if (t.participants.includes(from)) {
    t.heard ??= new Map();
    t.heard.set(from, { state, recovering });
  }
  if (!t.coordinatorForgot) return;
  const others = t.participants.filter((p) => p !== s.id);
  if (!others.every((p) => t.heard?.get(p)?.recovering === true)) return;
  const precommitted = t.phase === "precommitted" || others.some((p) => t.heard?.get(p)?.state === "precommitted");
  decideAsRecovery(
    s,
    t,
    precommitted ? "commit" : "abort",
    "total failure: every participant restarted undecided and the coordinator has no record",
    ctx,
  );
}

export function onRecoveryAck(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ptxns.get(txn);
  const r = t?.recovery;
  if (t === undefined || r === null || r === undefined || r.phase !== "precommitting") return;
  r.waiting.delete(from);
  if (r.waiting.size === 0) conclude(s, t, ctx);
}

/** Apply the termination rule to the states collected (or, after a precommit round, commit). */
function conclude(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  const r = t.recovery;
  if (r === null) return;
  if (r.phase === "precommitting")
    return decideAsRecovery(
      s,
      t,
      "commit",
      `recovery round ${r.round}: uncertain participants brought to precommitted`,
      ctx,
    );
  const states = [...r.states.values()];
  if (states.includes("committed"))
    return decideAsRecovery(s, t, "commit", `recovery round ${r.round}: some node committed`, ctx);
  if (states.includes("aborted") || states.includes("unknown"))
    return decideAsRecovery(s, t, "abort", `recovery round ${r.round}: some node aborted or never prepared`, ctx);
  if (!states.includes("precommitted"))
    return decideAsRecovery(s, t, "abort", `recovery round ${r.round}: every reachable participant is uncertain`, ctx);
  const uncertain = [...r.states]
    .filter(([p, st]) => st === "uncertain" && p !== s.id && t.participants.includes(p))
    .map(([p]) => p);
  if (t.phase === "uncertain") precommit(s, t, ctx);
  if (uncertain.length === 0)
    return decideAsRecovery(s, t, "commit", `recovery round ${r.round}: some participant was precommitted`, ctx);
  r.phase = "precommitting";
  r.waiting = new Set(uncertain);
  r.dueMicros = ctx.now() + Math.floor(s.o.decisionTimeoutMicros / 4);
  t.dueMicros = Math.min(t.dueMicros, r.dueMicros);
  for (const p of uncertain) ctx.send(p, { type: "precommit", txn: t.txn });
}

function decideAsRecovery(s: ThreePcState, t: PartTxn, decision: Decision, reason: string, ctx: Ctx): void {
  s.recovered++;
  ctx.note("decide", { txn: t.txn, decision, reason, recovery: true });
  finish(s, t, decision, ctx);
  toEveryoneElse(s, t, { type: decision, txn: t.txn }, ctx);
}

/**
 * Someone who restarted asks: answer with the decision if this node has one. A participant that never voted for the
 * transaction aborts it first (a commit needs every vote) and says so: that resolves a restarted participant that was
 * the only one to vote.
 */
export function onOutcomeRequest(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = abortIfUnvoted(s, txn, ctx);
  if (t.phase === "commit" || t.phase === "abort") ctx.send(from, { type: t.phase, txn });
  else if (t.phase === "uncertain" || t.phase === "precommitted")
    ctx.send(from, { type: "state", txn, state: t.phase, recovering: t.recovering });
}
