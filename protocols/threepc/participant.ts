import type { NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../../sim/check/models.ts";
import { fact } from "../commit/facts.ts";
import { MAX_WAITERS } from "../twopc/state.ts";
import type { Decision, ThreePcMsg, TxnState } from "./messages.ts";
import type { PartTxn, PreparedRecord, ThreePcState } from "./state.ts";

type Ctx = NodeContext<ThreePcMsg>;
type Prepare = Extract<ThreePcMsg, { type: "prepare" }>;

export function onPrepare(s: ThreePcState, from: string, m: Prepare, ctx: Ctx): void {
  if (from !== s.coordinator) return;
  const known = s.ptxns.get(m.txn);
  if (known !== undefined) {
    if (known.phase === "abort") ctx.send(from, { type: "vote", txn: m.txn, vote: "no", value: null, reason: "already aborted" });
    else if (known.phase !== "waiting") ctx.send(from, { type: "vote", txn: m.txn, vote: "yes", value: known.value });
    return;
  }
  const t: PartTxn = { txn: m.txn, key: m.key, op: m.op, participants: m.participants, phase: "waiting", value: null, recovering: false, t0Micros: 0, round: 0, recovery: null, heard: null, coordinatorForgot: false, dueMicros: Number.POSITIVE_INFINITY };
  s.ptxns.set(m.txn, t);
  s.lastTxn = m.txn;
  const holder = s.locks.get(m.key);
  if (holder === undefined) return grant(s, t, ctx);
  const queue = s.waiters.get(m.key) ?? [];
  if (s.o.lockWaitMicros === 0 || queue.length >= MAX_WAITERS) return voteNo(s, t, `key ${m.key} is locked by ${holder}`, ctx);
  queue.push(m.txn);
  s.waiters.set(m.key, queue);
  t.dueMicros = ctx.now() + s.o.lockWaitMicros;
  s.active.add(m.txn);
}

function record(t: PartTxn): PreparedRecord {
  return { txn: t.txn, key: t.key, op: t.op, participants: [...t.participants], value: t.value, precommitted: t.phase === "precommitted" };
}

function grant(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  if (s.o.abortProbability > 0 && ctx.rng.chance(s.o.abortProbability)) return voteNo(s, t, "application abort", ctx);
  s.locks.set(t.key, t.txn);
  t.phase = "uncertain";
  t.value = s.kv.get(t.key) ?? null;
  ctx.persist(`p:${t.txn}`, record(t));
  ctx.sync();
  fact(s, t.txn, "vote", "yes");
  startClock(s, t, ctx);
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "yes", value: t.value });
}

/** (Re)start the termination clock: slot 0 begins one decision timeout from now. */
export function startClock(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  t.t0Micros = ctx.now();
  t.round = 0;
  t.dueMicros = t.t0Micros + s.o.decisionTimeoutMicros;
  s.active.add(t.txn);
}

function voteNo(s: ThreePcState, t: PartTxn, reason: string, ctx: Ctx): void {
  t.phase = "abort";
  s.active.delete(t.txn);
  s.aborted++;
  fact(s, t.txn, "vote", "no");
  fact(s, t.txn, "decide", "abort", t.participants);
  ctx.persist(`d:${t.txn}`, "abort");
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "no", value: null, reason });
}

/** PRECOMMIT (from the coordinator or a recovery coordinator): durably prepared to commit, then acknowledge. */
export function onPrecommit(s: ThreePcState, from: string, txn: string, ctx: Ctx): void {
  const t = s.ptxns.get(txn);
  if (t === undefined || t.phase === "waiting" || t.phase === "abort") return;
  if (t.phase === "uncertain") {
    t.phase = "precommitted";
    ctx.persist(`p:${txn}`, record(t));
    ctx.sync();
    fact(s, txn, "precommit", "precommit");
    if (from === s.coordinator && !t.recovering && t.recovery === null) startClock(s, t, ctx);
  }
  ctx.send(from, { type: "ack", txn, of: "precommit" });
}

/** COMMIT / ABORT from anyone who decided: apply once, durably; acknowledge. */
export function onDecision(s: ThreePcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  const t = s.ptxns.get(txn);
  if (t === undefined) {
    if (decision === "abort") markAborted(s, txn, ctx);
    else ctx.note(`commit of transaction ${txn}, which was never prepared here: nothing to apply`, { txn });
  } else if (t.phase === "waiting") {
    if (decision === "abort") {
      dequeue(s, t);
      t.phase = "abort";
      s.aborted++;
      s.active.delete(txn);
      fact(s, txn, "decide", "abort", t.participants);
      ctx.persist(`d:${txn}`, "abort");
    } else ctx.note(`commit of transaction ${txn}, which this node never voted for: ignored`, { txn });
  } else if (t.phase === "uncertain" || t.phase === "precommitted") finish(s, t, decision, ctx);
  else if (t.phase !== decision) ctx.note(`${from} says ${decision} for transaction ${txn}, decided ${t.phase} here: kept`, { txn });
  ctx.send(from, { type: "ack", txn, of: decision });
}

/** A transaction this node never prepared, learned aborted (or asked about by a recovery coordinator). */
export function markAborted(s: ThreePcState, txn: string, ctx: Ctx): void {
  s.ptxns.set(txn, { txn, key: "", op: { f: "read", key: "" }, participants: [], phase: "abort", value: null, recovering: false, t0Micros: 0, round: 0, recovery: null, heard: null, coordinatorForgot: false, dueMicros: Number.POSITIVE_INFINITY });
  fact(s, txn, "decide", "abort");
  ctx.persist(`d:${txn}`, "abort");
}

export function finish(s: ThreePcState, t: PartTxn, decision: Decision, ctx: Ctx): void {
  t.phase = decision;
  t.recovery = null;
  t.recovering = false;
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
  release(s, t.key, t.txn, ctx);
}

function release(s: ThreePcState, key: string, txn: string, ctx: Ctx): void {
  if (s.locks.get(key) !== txn) return;
  s.locks.delete(key);
  const queue = s.waiters.get(key);
  while (queue !== undefined && queue.length > 0 && !s.locks.has(key)) {
    const next = s.ptxns.get(queue.shift() as string);
    if (next !== undefined && next.phase === "waiting") grant(s, next, ctx);
  }
  if (queue !== undefined && queue.length === 0) s.waiters.delete(key);
}

export function dequeue(s: ThreePcState, t: PartTxn): void {
  const queue = s.waiters.get(t.key);
  if (queue === undefined) return;
  const k = queue.indexOf(t.txn);
  if (k >= 0) queue.splice(k, 1);
  if (queue.length === 0) s.waiters.delete(t.key);
}

export function voteNoAfterWait(s: ThreePcState, t: PartTxn, ctx: Ctx): void {
  dequeue(s, t);
  voteNo(s, t, `lock wait on ${t.key} timed out`, ctx);
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
