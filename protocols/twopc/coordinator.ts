import type { KvOp, NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../../sim/check/models.ts";
import { assert } from "../../sim/core/assert.ts";
import { fact } from "../commit/facts.ts";
import type { Decision, TwoPcMsg, Vote } from "./messages.ts";
import { replicasOf } from "../commit/shard.ts";
import { BUGGY_FLUSH_MICROS, type CoordTxn, type TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;

/** Most transactions one coordinator incarnation starts (txn ids are "<epoch>.<seq>"). */
const MAX_SEQ = 10_000_000;

/** A client op becomes a transaction over the participants holding its key. */
export function startTxn(s: TwoPcState, requestId: number, op: KvOp, ctx: Ctx): void {
  const known = s.byRequest.get(requestId);
  if (known !== undefined) {
    const t = s.ctxns.get(known);
    if (t?.outcome) ctx.reply(requestId, t.outcome.ok ? { type: "ok", value: t.outcome.value } : { type: "fail", error: String(t.outcome.value) });
    return; // still voting: the reply comes with the decision
  }
  assert(s.seq < MAX_SEQ, `coordinator ${s.id} started ${MAX_SEQ} transactions in one incarnation`);
  const txn = `${s.epoch}.${++s.seq}`;
  const participants = replicasOf(op.key, s.participants, s.o.replicas);
  const t: CoordTxn = { txn, requestId, op, participants, votes: new Map(), phase: "voting", unacked: new Set(), dueMicros: ctx.now() + s.o.voteTimeoutMicros, outcome: null };
  s.ctxns.set(txn, t);
  s.byRequest.set(requestId, txn);
  s.active.add(txn);
  s.lastTxn = txn;
  for (const p of participants) ctx.send(p, { type: "prepare", txn, key: op.key, op, participants });
}

export function onVote(s: TwoPcState, from: string, txn: string, vote: Vote, value: string | null, reason: string | undefined, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined || !t.participants.includes(from)) return;
  if (t.phase !== "voting") return; // a late vote: the decision is re-sent until every participant acknowledges it
  t.votes.set(from, { vote, value });
  if (vote === "no") return decide(s, t, "abort", `${from} voted no${reason ? ` (${reason})` : ""}`, ctx);
  if (t.participants.every((p) => t.votes.get(p)?.vote === "yes")) decide(s, t, "commit", "every participant voted yes", ctx);
}

function sendDecision(t: CoordTxn, to: string, ctx: Ctx): void {
  ctx.send(to, t.phase === "commit" ? { type: "commit", txn: t.txn } : { type: "abort", txn: t.txn });
}

/**
 * The decision point. A commit is written to the log and synced BEFORE anyone hears of it (presumed abort: an abort
 * is not logged, since a coordinator that finds no record of a transaction answers abort).
 */
export function decide(s: TwoPcState, t: CoordTxn, decision: Decision, reason: string, ctx: Ctx): void {
  assert(t.phase === "voting", `transaction ${t.txn} decided twice`);
  t.phase = decision;
  fact(s, t.txn, "decide", decision, t.participants);
  if (decision === "commit") {
    ctx.persist(`dec:${t.txn}`, { decision, participants: t.participants, done: false });
    if (s.bug.decisionNotLogged) {
      if (!s.flushPending) ctx.setTimer("flush", BUGGY_FLUSH_MICROS);
      s.flushPending = true;
    } else ctx.sync();
    s.committed++;
  } else s.aborted++;
  ctx.note("decide", { txn: t.txn, decision, reason });
  for (const p of t.participants) {
    t.unacked.add(p);
    sendDecision(t, p, ctx);
  }
  t.dueMicros = ctx.now() + s.o.retryMicros;
  answerClient(t, decision, reason, ctx);
}

function answerClient(t: CoordTxn, decision: Decision, reason: string, ctx: Ctx): void {
  if (decision === "commit") {
    const first = t.votes.get(t.participants[0] as string);
    const value = kvApply(first?.value ?? null, t.op).result;
    t.outcome = { ok: true, value };
    if (t.requestId !== null) ctx.reply(t.requestId, { type: "ok", value });
  } else {
    t.outcome = { ok: false, value: `aborted: ${reason}` };
    if (t.requestId !== null) ctx.reply(t.requestId, { type: "fail", error: `aborted: ${reason}` });
  }
}

export function onAck(s: TwoPcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined || t.phase === "voting" || !t.unacked.delete(from) || t.unacked.size > 0) return;
  s.active.delete(txn);
  // Every participant holds the decision durably: the log record need not be re-sent after a restart.
  if (t.phase === "commit") ctx.persist(`dec:${txn}`, { decision: t.phase, participants: t.participants, done: true });
}

/** A prepared participant asks. Unknown transactions of an earlier incarnation were never committed: abort. */
export function onOutcomeRequest(s: TwoPcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t !== undefined) {
    if (t.phase !== "voting") {
      t.unacked.add(from);
      s.active.add(txn);
      sendDecision(t, from, ctx);
    }
    return;
  }
  const epoch = Number(txn.split(".")[0]);
  if (!(epoch < s.epoch)) return; // not ours (cannot happen): stay silent rather than guess
  const presumed: CoordTxn = { txn, requestId: null, op: { f: "read", key: "" }, participants: [], votes: new Map(), phase: "abort", unacked: new Set([from]), dueMicros: ctx.now() + s.o.retryMicros, outcome: null };
  s.ctxns.set(txn, presumed);
  s.active.add(txn);
  fact(s, txn, "decide", "abort", null);
  ctx.note("decide", { txn, decision: "abort", reason: "presumed abort: no record of the transaction after a restart" });
  sendDecision(presumed, from, ctx);
}

/** Timeouts: abort (or, with the bug, commit) a transaction still voting; re-send a decision not yet acknowledged. */
export function coordinatorTick(s: TwoPcState, ctx: Ctx): void {
  const now = ctx.now();
  for (const txn of [...s.active]) {
    const t = s.ctxns.get(txn) as CoordTxn;
    if (t.dueMicros > now) continue;
    if (t.phase === "voting") {
      const missing = t.participants.filter((p) => !t.votes.has(p));
      if (s.bug.commitOnTimeout) decide(s, t, "commit", `vote timeout: missing votes of ${missing.join(", ")} taken as yes`, ctx);
      else decide(s, t, "abort", `vote timeout: no vote from ${missing.join(", ")}`, ctx);
      continue;
    }
    for (const p of t.unacked) sendDecision(t, p, ctx);
    t.dueMicros = now + s.o.retryMicros;
  }
}
