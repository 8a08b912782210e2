import { CORRUPT, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../kv/kv.ts";
import { assert } from "../../sim/core/assert.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { fact } from "./facts.ts";
import type { CommitMsg, Decision, DecisionMsg, VoteMsg } from "./messages.ts";
import { replicasOf } from "./shard.ts";
import { type AnyCommitState, type CoordinatorTxn, damaged } from "./state.ts";

/*
 * The coordinator side both protocols share: its epoch, starting a transaction per client op, counting votes,
 * announcing a decision and answering the client, the decision log (`dec:<txn>`) and re-sending until acknowledged.
 * When a decision is logged, and what happens between the votes and the decision, is the protocol's.
 */

type Ctx = NodeContext<CommitMsg>;

/** Most transactions one coordinator incarnation starts (txn ids are "<epoch>.<seq>"). */
const MAX_SEQ = 10_000_000;

/** Durable record of a decision (`dec:<txn>`); `done` once every participant acknowledged it. */
interface DecisionRecord {
  decision: Decision;
  participants: NodeId[];
  done: boolean;
}

/** At boot: the next epoch is durable before any transaction of it starts. */
export function beginEpoch(s: AnyCommitState, ctx: Ctx): void {
  ctx.persist("epoch", s.epoch);
  ctx.sync();
}

/** The coordinator's log: the last epoch and the decisions; those not acknowledged by everyone are re-sent at once. */
export function loadCoordinator(s: AnyCommitState, ctx: NodeContext<unknown>): void {
  const epoch = ctx.read("epoch");
  if (epoch === CORRUPT) return damaged(s, "epoch", ctx);
  s.epoch = (typeof epoch === "number" ? epoch : 0) + 1;
  for (const key of ctx.keys("dec:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const r = rec as DecisionRecord;
    const txn = key.slice(4);
    s.ctxns.set(txn, {
      txn,
      requestId: null,
      op: { f: "read", key: "" },
      participants: r.participants,
      votes: new Map(),
      phase: r.decision,
      unacked: new Set(r.done ? [] : r.participants),
      dueMicros: 0,
      outcome: null,
    });
    if (!r.done) s.active.add(txn);
    if (r.decision === "commit") s.committed++;
    else s.aborted++;
  }
}

/** Write the decision record (not yet synced: the caller syncs, or, with a planted bug, does not). */
export function logDecision(ctx: Ctx, txn: string, decision: Decision, participants: NodeId[], done: boolean): void {
  const rec: DecisionRecord = { decision, participants, done };
  ctx.persist(`dec:${txn}`, rec);
}

/** A client op becomes a transaction over the participants holding its key. A retried request gets the same answer. */
export function startTxn(s: AnyCommitState, requestId: number, op: KvOp, ctx: Ctx): void {
  const known = s.byRequest.get(requestId);
  if (known !== undefined) {
    const t = s.ctxns.get(known);
    if (t?.outcome)
      ctx.reply(
        requestId,
        t.outcome.ok ? { type: "ok", value: t.outcome.value } : { type: "fail", error: String(t.outcome.value) },
      );
    return; // still undecided: the reply comes with the decision
  }
  assert(s.seq < MAX_SEQ, () => `coordinator ${s.id} started ${MAX_SEQ} transactions in one incarnation`);
  const txn = `${s.epoch}.${++s.seq}`;
  const participants = replicasOf(op.key, s.participants, s.o.replicas, s.o.placement, s.o.vnodes);
  s.ctxns.set(txn, {
    txn,
    requestId,
    op,
    participants,
    votes: new Map(),
    phase: "voting",
    unacked: new Set(),
    dueMicros: ctx.now() + s.o.voteTimeoutMicros,
    outcome: null,
  });
  s.byRequest.set(requestId, txn);
  s.active.add(txn);
  s.lastTxn = txn;
  for (const p of participants) ctx.send(p, { type: "prepare", txn, key: op.key, op, participants });
}

/**
 * Count a vote of a transaction still voting (a late one is ignored: the decision is re-sent until acknowledged).
 * Returns the transaction with what the votes so far settle: "no" (a participant voted no), "all-yes", or "pending";
 * null if the vote does not count.
 */
export function countVote<Between extends string>(
  s: { ctxns: Map<string, CoordinatorTxn<Between>> },
  from: NodeId,
  m: VoteMsg,
): { t: CoordinatorTxn<Between>; result: "no" | "all-yes" | "pending" } | null {
  const t = s.ctxns.get(m.txn);
  if (t === undefined || t.phase !== "voting" || !t.participants.includes(from)) return null;
  t.votes.set(from, { vote: m.vote, value: m.value });
  if (m.vote === "no") return { t, result: "no" };
  return { t, result: t.participants.every((p) => t.votes.get(p)?.vote === "yes") ? "all-yes" : "pending" };
}

export function noVoteReason(from: NodeId, m: VoteMsg): string {
  return `${from} voted no${m.reason ? ` (${m.reason})` : ""}`;
}

export function missingVotes(t: CoordinatorTxn<string>): NodeId[] {
  return t.participants.filter((p) => !t.votes.has(p));
}

export function voteTimeoutReason(t: CoordinatorTxn<string>): string {
  return `vote timeout: no vote from ${missingVotes(t).join(", ")}`;
}

export function decisionMsg(t: CoordinatorTxn<string>): DecisionMsg {
  return t.phase === "commit" ? { type: "commit", txn: t.txn } : { type: "abort", txn: t.txn };
}

/**
 * The decision is made (and, where the protocol logs it, written): record it, send it to every participant (re-sent
 * every retryMicros until acknowledged) and answer the client.
 */
export function announceDecision(
  s: AnyCommitState,
  t: CoordinatorTxn<string>,
  decision: Decision,
  reason: string,
  ctx: Ctx,
): void {
  assert(t.phase !== "commit" && t.phase !== "abort", () => `transaction ${t.txn} decided twice`);
  t.phase = decision;
  fact(s, t.txn, "decide", decision, t.participants);
  if (decision === "commit") s.committed++;
  else s.aborted++;
  ctx.note("decide", { txn: t.txn, decision, reason });
  t.unacked = new Set(t.participants);
  for (const p of t.participants) ctx.send(p, decisionMsg(t));
  t.dueMicros = ctx.now() + s.o.retryMicros;
  answerClient(t, decision, reason, ctx);
}

/** A commit's result is computed from the first participant's yes vote (the key's value); without it, no answer. */
function answerClient(t: CoordinatorTxn<string>, decision: Decision, reason: string, ctx: Ctx): void {
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

/** A participant acknowledged: true when it was the last one (nothing is re-sent for the transaction any more). */
export function acknowledged(s: AnyCommitState, t: CoordinatorTxn<string>, from: NodeId): boolean {
  if (!t.unacked.delete(from) || t.unacked.size > 0) return false;
  s.active.delete(t.txn);
  return true;
}

/** Re-send `message(t)` to the participants that have not acknowledged it, and wait another retry interval. */
export function resend<T extends CoordinatorTxn<string>, M>(
  s: AnyCommitState,
  t: T,
  message: (t: T) => M,
  ctx: NodeContext<M>,
): void {
  for (const p of t.unacked) ctx.send(p, message(t));
  t.dueMicros = ctx.now() + s.o.retryMicros;
}
