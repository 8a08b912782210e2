import type { NodeContext } from "../../sim/core/protocol.ts";
import { assert } from "../../sim/core/assert.ts";
import {
  acknowledged,
  announceDecision,
  countVote,
  decisionMsg,
  logDecision,
  noVoteReason,
  resend,
  voteTimeoutReason,
} from "../commit/coordinator.ts";
import { fact } from "../commit/facts.ts";
import type { Decision, VoteMsg } from "../commit/messages.ts";
import { dueNow } from "../commit/node.ts";
import type { ThreePcMsg, TxnState } from "./messages.ts";
import type { CoordTxn, ThreePcState } from "./state.ts";

type Ctx = NodeContext<ThreePcMsg>;

/** A no aborts at once; once every vote is yes, the precommit round begins. */
export function onVote(s: ThreePcState, from: string, m: VoteMsg, ctx: Ctx): void {
  const tally = countVote(s, from, m);
  if (tally?.result === "no") decide(s, tally.t, "abort", noVoteReason(from, m), ctx);
  else if (tally?.result === "all-yes") sendPrecommits(s, tally.t, ctx);
}

/** Phase two of three: nobody may commit until every participant is prepared to commit. */
function sendPrecommits(s: ThreePcState, t: CoordTxn, ctx: Ctx): void {
  if (s.bug.skipPrecommit) {
    for (const p of t.participants) ctx.send(p, { type: "precommit", txn: t.txn });
    return decide(s, t, "commit", "every participant voted yes (precommit skipped)", ctx);
  }
  t.phase = "precommitting";
  t.unacked = new Set(t.participants);
  t.dueMicros = ctx.now() + s.o.retryMicros;
  for (const p of t.participants) ctx.send(p, { type: "precommit", txn: t.txn });
}

export function onAck(s: ThreePcState, from: string, txn: string, of: "precommit" | Decision, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) return;
  if (of === "precommit") {
    if (t.phase === "precommitting" && t.unacked.delete(from) && t.unacked.size === 0)
      decide(s, t, "commit", "every participant is prepared to commit", ctx);
    return;
  }
  if (t.phase === of && acknowledged(s, t, from)) logDecision(ctx, txn, t.phase, t.participants, true);
}

/** Both decisions are logged and synced before they are sent: a 3PC coordinator may never presume. */
function decide(s: ThreePcState, t: CoordTxn, decision: Decision, reason: string, ctx: Ctx): void {
  assert(t.phase === "voting" || t.phase === "precommitting", () => `transaction ${t.txn} decided twice`);
  logDecision(ctx, t.txn, decision, t.participants, false);
  ctx.sync();
  announceDecision(s, t, decision, reason, ctx);
}

/** A recovery coordinator decided: adopt its decision (the client, if still waiting, hears it from here). */
export function onForeignDecision(s: ThreePcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) {
    const adopted: CoordTxn = {
      txn,
      requestId: null,
      op: { f: "read", key: "" },
      participants: [],
      votes: new Map(),
      phase: decision,
      unacked: new Set(),
      dueMicros: Number.POSITIVE_INFINITY,
      outcome: null,
    };
    s.ctxns.set(txn, adopted);
    fact(s, txn, "decide", decision, null);
    logDecision(ctx, txn, decision, [], true);
    ctx.sync();
    return;
  }
  if (t.phase === "voting" || t.phase === "precommitting") {
    decide(s, t, decision, `adopted from recovery coordinator ${from}`, ctx);
    t.unacked.clear();
    s.active.delete(txn);
  } else if (t.phase !== decision)
    ctx.note(`recovery coordinator ${from} decided ${decision} for ${txn}, decided ${t.phase} here: kept`, { txn });
}

/**
 * A recovery coordinator asks. While still voting the coordinator aborts first (nobody can be prepared to commit),
 * so the two cannot decide differently; a transaction it has no record of (it restarted) gets no answer.
 */
export function onStateRequest(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) return;
  if (t.phase === "voting") decide(s, t, "abort", `recovery coordinator ${from} asked while votes were missing`, ctx);
  const state: TxnState = t.phase === "precommitting" ? "precommitted" : t.phase === "commit" ? "committed" : "aborted";
  ctx.send(from, { type: "state", txn, state });
}

/**
 * A restarted participant asks. With no record of a transaction from an earlier incarnation the coordinator says so
 * ("unknown"): it never decided it (decisions are logged before they are sent) and never will.
 */
export function onOutcomeRequest(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) {
    if (Number(txn.split(".")[0]) < s.epoch) ctx.send(from, { type: "state", txn, state: "unknown" });
    return;
  }
  if (t.phase === "precommitting" && t.unacked.has(from)) ctx.send(from, { type: "precommit", txn });
  else if (t.phase === "commit" || t.phase === "abort") ctx.send(from, decisionMsg(t));
}

/**
 * Timeouts: abort a transaction still voting. Precommits and decisions are re-sent until acknowledged (the
 * coordinator never gives up on a precommit: once it is out, only commit is possible).
 */
export function coordinatorTick(s: ThreePcState, ctx: Ctx): void {
  for (const t of dueNow(s.active, s.ctxns, ctx.now())) {
    if (t.phase === "voting") decide(s, t, "abort", voteTimeoutReason(t), ctx);
    else resend(s, t, unacknowledged, ctx);
  }
}

function unacknowledged(t: CoordTxn): ThreePcMsg {
  return t.phase === "precommitting" ? { type: "precommit", txn: t.txn } : decisionMsg(t);
}
