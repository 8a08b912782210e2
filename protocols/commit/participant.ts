import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../kv/kv.ts";
import { assert } from "../../sim/core/assert.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { fact } from "./facts.ts";
import { dequeue, enqueue, release } from "./locks.ts";
import type { CommitMsg, Decision, Prepare } from "./messages.ts";
import { type CommitState, damaged, type ParticipantTxn, type PreparedRecord } from "./state.ts";

/*
 * The participant side both protocols share: votes under per-key locks, unilateral aborts, applying a decision once
 * and durably, and reloading the disk after a restart. What a yes vote leads to (2PC: "prepared", asking the
 * coordinator after a timeout; 3PC: "uncertain", then precommitted, with the termination protocol) is the protocol's.
 */

type Ctx = NodeContext<CommitMsg>;

/** What makes a participant 2PC's or 3PC's, as far as the shared code is concerned. */
export interface ParticipantRules<P extends ParticipantTxn<string>, R extends PreparedRecord = PreparedRecord> {
  /** The phase a yes vote enters (2PC "prepared", 3PC "uncertain"). */
  readonly votedYes: P["phase"];
  /** A new record: the shared fields given, the protocol's own at their initial values. */
  newTxn(t: ParticipantTxn<never>): P;
  /** The yes vote is durable: start waiting for the decision (the protocol's timeout or clock). */
  awaitDecision(s: CommitState<string, P>, t: P, ctx: Ctx): void;
  /** The durable prepared record `p:<txn>`. */
  record(t: P): R;
  /** A prepared record read back after a restart: the transaction is undecided and holds its lock again. */
  reload(r: R): P;
}

/**
 * PREPARE: lock the key and vote yes (durably), wait for the lock, or vote no. A duplicate gets the same vote again.
 */
export function onPrepare<P extends ParticipantTxn<string>>(
  rules: ParticipantRules<P>,
  s: CommitState<string, P>,
  from: NodeId,
  m: Prepare,
  ctx: Ctx,
): void {
  if (from !== s.coordinator) return;
  const known = s.ptxns.get(m.txn);
  if (known !== undefined) {
    if (known.phase === "abort")
      ctx.send(from, { type: "vote", txn: m.txn, vote: "no", value: null, reason: "already aborted" });
    else if (known.phase !== "waiting") ctx.send(from, { type: "vote", txn: m.txn, vote: "yes", value: known.value });
    return;
  }
  const t = rules.newTxn({
    txn: m.txn,
    key: m.key,
    op: m.op,
    participants: m.participants,
    phase: "waiting",
    value: null,
    dueMicros: Number.POSITIVE_INFINITY,
  });
  s.ptxns.set(m.txn, t);
  s.lastTxn = m.txn;
  const holder = s.locks.get(m.key);
  if (holder === undefined) return grant(rules, s, t, ctx);
  if (s.o.lockWaitMicros === 0 || !enqueue(s, m.key, m.txn))
    return voteNo(s, t, `key ${m.key} is locked by ${holder}`, ctx);
  t.dueMicros = ctx.now() + s.o.lockWaitMicros;
  s.active.add(m.txn);
}

/** The lock is free: vote no for application reasons, or take the lock, make the vote durable and vote yes. */
function grant<P extends ParticipantTxn<string>>(
  rules: ParticipantRules<P>,
  s: CommitState<string, P>,
  t: P,
  ctx: Ctx,
): void {
  if (s.o.abortProbability > 0 && ctx.rng.chance(s.o.abortProbability)) return voteNo(s, t, "application abort", ctx);
  s.locks.set(t.key, t.txn);
  t.phase = rules.votedYes;
  t.value = s.kv.get(t.key) ?? null;
  ctx.persist(`p:${t.txn}`, rules.record(t));
  ctx.sync();
  fact(s, t.txn, "vote", "yes");
  rules.awaitDecision(s, t, ctx);
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "yes", value: t.value });
}

/** A no vote is a unilateral abort: nothing was locked or written, so nothing needs to be durable. */
function voteNo(
  s: CommitState<string, ParticipantTxn<string>>,
  t: ParticipantTxn<string>,
  reason: string,
  ctx: Ctx,
): void {
  t.phase = "abort";
  s.active.delete(t.txn);
  s.aborted++;
  fact(s, t.txn, "vote", "no");
  fact(s, t.txn, "decide", "abort", t.participants);
  ctx.persist(`d:${t.txn}`, "abort");
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "no", value: null, reason });
}

/** The lock wait timed out (or the transaction must be settled now): stop waiting and vote no. */
export function voteNoAfterWait(
  s: CommitState<string, ParticipantTxn<string>>,
  t: ParticipantTxn<string>,
  ctx: Ctx,
): void {
  dequeue(s, t.key, t.txn);
  voteNo(s, t, `lock wait on ${t.key} timed out`, ctx);
}

/** A transaction this node never prepared, learned aborted: recorded, so a late prepare gets a no. */
export function markAborted<P extends ParticipantTxn<string>>(
  rules: ParticipantRules<P>,
  s: CommitState<string, P>,
  txn: string,
  ctx: Ctx,
): void {
  s.ptxns.set(txn, rules.newTxn(decided(txn, "abort")));
  fact(s, txn, "decide", "abort");
  ctx.persist(`d:${txn}`, "abort");
}

function decided(txn: string, decision: Decision): ParticipantTxn<never> {
  return {
    txn,
    key: "",
    op: { f: "read", key: "" },
    participants: [],
    phase: decision,
    value: null,
    dueMicros: Number.POSITIVE_INFINITY,
  };
}

/**
 * A decision for a transaction this node has not voted yes for: never prepared here (the prepare was lost, or this
 * node was down) or still waiting for the lock. An abort is recorded; a commit cannot be applied, only noted. Returns
 * false for a commit of a transaction still waiting here: ignored, and not acknowledged either.
 */
export function decisionWithoutVote<P extends ParticipantTxn<string>>(
  rules: ParticipantRules<P>,
  s: CommitState<string, P>,
  t: P | undefined,
  txn: string,
  decision: Decision,
  ctx: Ctx,
): boolean {
  assert(
    t === undefined || t.phase === "waiting",
    () => `transaction ${txn} is ${t?.phase} here: expected unknown or waiting`,
  );
  if (t === undefined) {
    if (decision === "abort") markAborted(rules, s, txn, ctx);
    else ctx.note(`commit of transaction ${txn}, which was never prepared here: nothing to apply`, { txn });
    return true;
  }
  if (decision === "commit") {
    ctx.note(`commit of transaction ${txn}, which this node never voted for: ignored`, { txn });
    return false;
  }
  dequeue(s, t.key, txn);
  t.phase = "abort";
  s.aborted++;
  s.active.delete(txn);
  fact(s, txn, "decide", "abort", t.participants);
  ctx.persist(`d:${txn}`, "abort");
  return true;
}

/** Apply the outcome of a transaction voted yes for, durably (once), then let the next waiter have the lock. */
export function applyDecision<P extends ParticipantTxn<string>>(
  rules: ParticipantRules<P>,
  s: CommitState<string, P>,
  t: P,
  decision: Decision,
  ctx: Ctx,
): void {
  t.phase = decision;
  s.active.delete(t.txn);
  if (decision === "commit") {
    const r = kvApply(s.kv.get(t.key) ?? null, t.op);
    if (r.value === null) s.kv.delete(t.key);
    else s.kv.set(t.key, r.value);
    if (t.op.f !== "read") ctx.persist(`kv:${t.key}`, r.value ?? undefined);
    s.committed++;
  } else s.aborted++;
  ctx.persist(`d:${t.txn}`, decision);
  ctx.persist(`p:${t.txn}`, undefined);
  ctx.sync();
  fact(s, t.txn, "decide", decision, t.participants);
  release(s, t.key, t.txn, (waiter) => {
    const next = s.ptxns.get(waiter);
    if (next !== undefined && next.phase === "waiting") grant(rules, s, next, ctx);
  });
}

/**
 * A participant's disk: `kv:<key>` committed values, `d:<txn>` decisions, `p:<txn>` prepared records (voted yes,
 * undecided: the transaction takes its lock again and its timeout is due at once).
 */
export function loadParticipant<P extends ParticipantTxn<string>, R extends PreparedRecord>(
  rules: ParticipantRules<P, R>,
  s: CommitState<string, P>,
  ctx: NodeContext<unknown>,
): void {
  for (const key of ctx.keys("kv:")) {
    const v = ctx.read(key);
    if (v === CORRUPT) return damaged(s, key, ctx);
    if (typeof v === "string") s.kv.set(key.slice(3), v);
  }
  for (const key of ctx.keys("d:")) {
    const d = ctx.read(key);
    if (d === CORRUPT) return damaged(s, key, ctx);
    if (d !== "commit" && d !== "abort") continue;
    s.ptxns.set(key.slice(2), rules.newTxn(decided(key.slice(2), d)));
    if (d === "commit") s.committed++;
    else s.aborted++;
  }
  for (const key of ctx.keys("p:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const t = rules.reload(rec as R);
    s.ptxns.set(t.txn, t);
    s.locks.set(t.key, t.txn);
    s.active.add(t.txn);
  }
}
