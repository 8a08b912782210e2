import type { KvOp, NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../../sim/check/models.ts";
import { assert } from "../../sim/core/assert.ts";
import { fact } from "../commit/facts.ts";
import { replicasOf } from "../commit/shard.ts";
import type { Decision, ThreePcMsg, TxnState, Vote } from "./messages.ts";
import type { CoordTxn, ThreePcState } from "./state.ts";

type Ctx = NodeContext<ThreePcMsg>;
const MAX_SEQ = 10_000_000;

export function startTxn(s: ThreePcState, requestId: number, op: KvOp, ctx: Ctx): void {
  const known = s.byRequest.get(requestId);
  if (known !== undefined) {
    const t = s.ctxns.get(known);
    if (t?.outcome) ctx.reply(requestId, t.outcome.ok ? { type: "ok", value: t.outcome.value } : { type: "fail", error: String(t.outcome.value) });
    return;
  }
  assert(s.seq < MAX_SEQ, `coordinator ${s.id} started ${MAX_SEQ} transactions in one incarnation`);
  const txn = `${s.epoch}.${++s.seq}`;
  const participants = replicasOf(op.key, s.participants, s.o.replicas);
  s.ctxns.set(txn, { txn, requestId, op, participants, votes: new Map(), phase: "voting", unacked: new Set(), dueMicros: ctx.now() + s.o.voteTimeoutMicros, outcome: null });
  s.byRequest.set(requestId, txn);
  s.active.add(txn);
  s.lastTxn = txn;
  for (const p of participants) ctx.send(p, { type: "prepare", txn, key: op.key, op, participants });
}

export function onVote(s: ThreePcState, from: string, txn: string, vote: Vote, value: string | null, reason: string | undefined, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined || t.phase !== "voting" || !t.participants.includes(from)) return;
  t.votes.set(from, { vote, value });
  if (vote === "no") return decide(s, t, "abort", `${from} voted no${reason ? ` (${reason})` : ""}`, ctx);
  if (!t.participants.every((p) => t.votes.get(p)?.vote === "yes")) return;
  if (s.bug.skipPrecommit) {
    for (const p of t.participants) ctx.send(p, { type: "precommit", txn });
    return decide(s, t, "commit", "every participant voted yes (precommit skipped)", ctx);
  }
  // Phase two of three: nobody may commit until every participant is prepared to commit.
  t.phase = "precommitting";
  t.unacked = new Set(t.participants);
  t.dueMicros = ctx.now() + s.o.retryMicros;
  for (const p of t.participants) ctx.send(p, { type: "precommit", txn });
}

export function onAck(s: ThreePcState, from: string, txn: string, of: "precommit" | Decision, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) return;
  if (of === "precommit") {
    if (t.phase !== "precommitting" || !t.unacked.delete(from)) return;
    if (t.unacked.size === 0) decide(s, t, "commit", "every participant is prepared to commit", ctx);
    return;
  }
  if (t.phase !== of || !t.unacked.delete(from) || t.unacked.size > 0) return;
  s.active.delete(txn);
  ctx.persist(`dec:${txn}`, { decision: t.phase, participants: t.participants, done: true });
}

function sendDecision(t: CoordTxn, to: string, ctx: Ctx): void {
  ctx.send(to, t.phase === "commit" ? { type: "commit", txn: t.txn } : { type: "abort", txn: t.txn });
}

/** Both decisions are logged and synced before they are sent: a 3PC coordinator may never presume. */
export function decide(s: ThreePcState, t: CoordTxn, decision: Decision, reason: string, ctx: Ctx): void {
  assert(t.phase === "voting" || t.phase === "precommitting", `transaction ${t.txn} decided twice`);
  t.phase = decision;
  fact(s, t.txn, "decide", decision, t.participants);
  ctx.persist(`dec:${t.txn}`, { decision, participants: t.participants, done: false });
  ctx.sync();
  if (decision === "commit") s.committed++;
  else s.aborted++;
  ctx.note("decide", { txn: t.txn, decision, reason });
  t.unacked = new Set(t.participants);
  for (const p of t.participants) sendDecision(t, p, ctx);
  t.dueMicros = ctx.now() + s.o.retryMicros;
  answerClient(t, decision, reason, ctx);
}

function answerClient(t: CoordTxn, decision: Decision, reason: string, ctx: Ctx): void {
  if (decision === "commit") {
    const first = t.votes.get(t.participants[0] as string);
    const value = kvApply(first?.value ?? null, t.op).result;
    t.outcome = { ok: true, value };
    if (t.requestId !== null && first !== undefined) ctx.reply(t.requestId, { type: "ok", value });
  } else {
    t.outcome = { ok: false, value: `aborted: ${reason}` };
    if (t.requestId !== null) ctx.reply(t.requestId, { type: "fail", error: `aborted: ${reason}` });
  }
}

/** A recovery coordinator decided: adopt its decision (the client, if still waiting, hears it from here). */
export function onForeignDecision(s: ThreePcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  const t = s.ctxns.get(txn);
  if (t === undefined) {
    const adopted: CoordTxn = { txn, requestId: null, op: { f: "read", key: "" }, participants: [], votes: new Map(), phase: decision, unacked: new Set(), dueMicros: Number.POSITIVE_INFINITY, outcome: null };
    s.ctxns.set(txn, adopted);
    fact(s, txn, "decide", decision, null);
    ctx.persist(`dec:${txn}`, { decision, participants: [], done: true });
    ctx.sync();
    return;
  }
  if (t.phase === "voting" || t.phase === "precommitting") {
    decide(s, t, decision, `adopted from recovery coordinator ${from}`, ctx);
    t.unacked.clear();
    s.active.delete(txn);
  } else if (t.phase !== decision) ctx.note(`recovery coordinator ${from} decided ${decision} for ${txn}, decided ${t.phase} here: kept`, { txn });
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
  else if (t.phase === "commit" || t.phase === "abort") sendDecision(t, from, ctx);
}

export function coordinatorTick(s: ThreePcState, ctx: Ctx): void {
  const now = ctx.now();
  for (const txn of [...s.active]) {
    const t = s.ctxns.get(txn) as CoordTxn;
    if (t.dueMicros > now) continue;
    if (t.phase === "voting") {
      const missing = t.participants.filter((p) => !t.votes.has(p));
      decide(s, t, "abort", `vote timeout: no vote from ${missing.join(", ")}`, ctx);
      continue;
    }
    // Precommits and decisions are re-sent until acknowledged (the coordinator never gives up on a precommit: once
    // it is out, only commit is possible).
    for (const p of t.unacked) {
      if (t.phase === "precommitting") ctx.send(p, { type: "precommit", txn });
      else sendDecision(t, p, ctx);
    }
    t.dueMicros = now + s.o.retryMicros;
  }
}
