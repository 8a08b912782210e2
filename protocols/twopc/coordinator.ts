import type { NodeContext } from "../../sim/core/protocol.ts";
import { assert } from "../../sim/core/assert.ts";
import {
  acknowledged,
  announceDecision,
  countVote,
  decisionMsg,
  logDecision,
  missingVotes,
  noVoteReason,
  resend,
  voteTimeoutReason,
} from "../commit/coordinator.ts";
import { fact } from "../commit/facts.ts";
import type { Decision, VoteMsg } from "../commit/messages.ts";
import { dueNow } from "../commit/node.ts";
import type { CoordinatorTxn } from "../commit/state.ts";
import type { TwoPcMsg } from "./messages.ts";
import { BUGGY_FLUSH_MICROS, type TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;

/** Commit iff every participant votes yes; a single no aborts. */
export function onVote(s: TwoPcState, from: string, m: VoteMsg, ctx: Ctx): void {
  const tally = countVote(s, from, m);
  if (tally?.result === "no") decide(s, tally.t, "abort", noVoteReason(from, m), ctx);
  else if (tally?.result === "all-yes") decide(s, tally.t, "commit", "every participant voted yes", ctx);
}

/**
 * The decision point. A commit is written to the log and synced BEFORE anyone hears of it (presumed abort: an abort
 * is not logged, since a coordinator that finds no record of a transaction answers abort).
 */
function decide(s: TwoPcState, t: CoordinatorTxn, decision: Decision, reason: string, ctx: Ctx): void {
  assert(t.phase === "voting", () => `transaction ${t.txn} decided twice`);
  if (decision === "commit") {
    logDecision(ctx, t.txn, decision, t.participants, false);
    if (s.bug.decisionNotLogged) {
      if (!s.flushPending) ctx.setTimer("flush", BUGGY_FLUSH_MICROS);
      s.flushPending = true;
    } else ctx.sync();
  }
  announceDecision(s, t, decision, reason, ctx);
}

/** Bug decision-not-logged: the group commit that makes the decisions durable, late. */
export function flush(s: TwoPcState, ctx: Ctx): void {
  s.flushPending = false;
  ctx.sync();
}

export function onAck(s: TwoPcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined || t.phase === "voting" || !acknowledged(s, t, from)) return;
  // Every participant holds the decision durably: the log record need not be re-sent after a restart.
  if (t.phase === "commit") logDecision(ctx, txn, t.phase, t.participants, true);
}

/** A prepared participant asks. Unknown transactions of an earlier incarnation were never committed: abort. */
export function onOutcomeRequest(s: TwoPcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t !== undefined) {
    if (t.phase !== "voting") {
      t.unacked.add(from);
      s.active.add(txn);
      ctx.send(from, decisionMsg(t));
    }
    return;
  }
  const epoch = Number(txn.split(".")[0]);
  if (!(epoch < s.epoch)) return; // not ours (cannot happen): stay silent rather than guess
  const presumed: CoordinatorTxn = {
    txn,
    requestId: null,
    op: { f: "read", key: "" },
    participants: [],
    votes: new Map(),
    phase: "abort",
    unacked: new Set([from]),
    dueMicros: ctx.now() + s.o.retryMicros,
    outcome: null,
  };
  s.ctxns.set(txn, presumed);
  s.active.add(txn);
  fact(s, txn, "decide", "abort", null);
  ctx.note("decide", {
    txn,
    decision: "abort",
    reason: "presumed abort: no record of the transaction after a restart",
  });
  ctx.send(from, decisionMsg(presumed));
}

/** Timeouts: abort (or, with the bug, commit) a transaction still voting; re-send a decision not yet acknowledged. */
export function coordinatorTick(s: TwoPcState, ctx: Ctx): void {
  for (const t of dueNow(s.active, s.ctxns, ctx.now())) {
    if (t.phase !== "voting") resend(s, t, decisionMsg, ctx);
    else if (s.bug.commitOnTimeout) commitOnTimeout(s, t, ctx);
    else decide(s, t, "abort", voteTimeoutReason(t), ctx);
  }
}

/** Bug commit-on-timeout: the missing votes are taken as yes votes (for a key with no value). */
function commitOnTimeout(s: TwoPcState, t: CoordinatorTxn, ctx: Ctx): void {
  const missing = missingVotes(t);
  for (const p of missing) t.votes.set(p, { vote: "yes", value: null });
  decide(s, t, "commit", `vote timeout: missing votes of ${missing.join(", ")} taken as yes`, ctx);
}
