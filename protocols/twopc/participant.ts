import type { NodeContext } from "../../sim/core/protocol.ts";
import { kvApply } from "../../sim/check/models.ts";
import { fact } from "../commit/facts.ts";
import type { Decision, TwoPcMsg } from "./messages.ts";
import { MAX_WAITERS, type PartTxn, type PreparedRecord, type TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;
type Prepare = Extract<TwoPcMsg, { type: "prepare" }>;

/** PREPARE: lock the key and vote yes (durably), wait for the lock, or vote no. A duplicate gets the same vote again. */
export function onPrepare(s: TwoPcState, from: string, m: Prepare, ctx: Ctx): void {
  if (from !== s.coordinator) return;
  const known = s.ptxns.get(m.txn);
  if (known !== undefined) {
    if (known.phase === "prepared" || known.phase === "commit") ctx.send(from, { type: "vote", txn: m.txn, vote: "yes", value: known.value });
    else if (known.phase === "abort") ctx.send(from, { type: "vote", txn: m.txn, vote: "no", value: null, reason: "already aborted" });
    return;
  }
  const t: PartTxn = { txn: m.txn, key: m.key, op: m.op, participants: m.participants, phase: "waiting", value: null, dueMicros: Number.POSITIVE_INFINITY, asking: false };
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

/** The lock is free: vote no for application reasons, or take the lock, make the vote durable and vote yes. */
function grant(s: TwoPcState, t: PartTxn, ctx: Ctx): void {
  if (s.o.abortProbability > 0 && ctx.rng.chance(s.o.abortProbability)) return voteNo(s, t, "application abort", ctx);
  s.locks.set(t.key, t.txn);
  t.phase = "prepared";
  t.value = s.kv.get(t.key) ?? null;
  const rec: PreparedRecord = { txn: t.txn, key: t.key, op: t.op, participants: [...t.participants], value: t.value };
  ctx.persist(`p:${t.txn}`, rec);
  ctx.sync();
  fact(s, t.txn, "vote", "yes");
  t.dueMicros = ctx.now() + s.o.decisionTimeoutMicros;
  s.active.add(t.txn);
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "yes", value: t.value });
}

/** A no vote is a unilateral abort: nothing was locked or written, so nothing needs to be durable. */
function voteNo(s: TwoPcState, t: PartTxn, reason: string, ctx: Ctx): void {
  t.phase = "abort";
  s.active.delete(t.txn);
  s.aborted++;
  fact(s, t.txn, "vote", "no");
  fact(s, t.txn, "decide", "abort", t.participants);
  ctx.persist(`d:${t.txn}`, "abort");
  ctx.send(s.coordinator, { type: "vote", txn: t.txn, vote: "no", value: null, reason });
}

/** COMMIT / ABORT from the coordinator: apply it durably (once), release the lock, acknowledge. */
export function onDecision(s: TwoPcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  if (from !== s.coordinator) return;
  const t = s.ptxns.get(txn);
  if (t === undefined) {
    // The prepare never arrived (lost, or this node was down). An abort is recorded so a late prepare gets a no.
    if (decision === "abort") {
      s.ptxns.set(txn, { txn, key: "", op: { f: "read", key: "" }, participants: [], phase: "abort", value: null, dueMicros: Number.POSITIVE_INFINITY, asking: false });
      fact(s, txn, "decide", "abort");
      ctx.persist(`d:${txn}`, "abort");
    } else ctx.note(`commit of transaction ${txn}, which was never prepared here: nothing to apply`, { txn });
    ctx.send(from, { type: "ack", txn });
    return;
  }
  if (t.phase === "waiting") {
    if (decision === "commit") return void ctx.note(`commit of transaction ${txn}, which this node never voted for: ignored`, { txn });
    dequeue(s, t);
    t.phase = "abort";
    s.aborted++;
    s.active.delete(txn);
    fact(s, txn, "decide", "abort", t.participants);
    ctx.persist(`d:${txn}`, "abort");
  } else if (t.phase === "prepared") finish(s, t, decision, ctx);
  else if (t.phase !== decision) ctx.note(`coordinator says ${decision} for transaction ${txn}, decided ${t.phase} here: kept`, { txn });
  ctx.send(from, { type: "ack", txn });
}

/** Apply the outcome of a prepared transaction durably, then let the next waiter have the lock. */
export function finish(s: TwoPcState, t: PartTxn, decision: Decision, ctx: Ctx): void {
  t.phase = decision;
  t.asking = false;
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

function release(s: TwoPcState, key: string, txn: string, ctx: Ctx): void {
  if (s.locks.get(key) !== txn) return;
  s.locks.delete(key);
  const queue = s.waiters.get(key);
  while (queue !== undefined && queue.length > 0 && !s.locks.has(key)) {
    const next = s.ptxns.get(queue.shift() as string);
    if (next !== undefined && next.phase === "waiting") grant(s, next, ctx);
  }
  if (queue !== undefined && queue.length === 0) s.waiters.delete(key);
}

function dequeue(s: TwoPcState, t: PartTxn): void {
  const queue = s.waiters.get(t.key);
  if (queue === undefined) return;
  const k = queue.indexOf(t.txn);
  if (k >= 0) queue.splice(k, 1);
  if (queue.length === 0) s.waiters.delete(t.key);
}

/** Timeouts: a lock wait ends in a no vote; a prepared participant asks for the outcome (it may not decide alone). */
export function participantTick(s: TwoPcState, ctx: Ctx): void {
  const now = ctx.now();
  for (const txn of [...s.active]) {
    const t = s.ptxns.get(txn) as PartTxn;
    if (t.dueMicros > now) continue;
    if (t.phase === "waiting") {
      dequeue(s, t);
      voteNo(s, t, `lock wait on ${t.key} timed out`, ctx);
    } else if (t.phase === "prepared") {
      if (s.bug.participantAbortAfterYes) {
        ctx.note(`no decision for ${txn} after voting yes: aborting unilaterally`, { txn });
        finish(s, t, "abort", ctx);
        continue;
      }
      t.asking = true;
      t.dueMicros = now + s.o.retryMicros;
      ctx.send(s.coordinator, { type: "outcome-req", txn });
    }
  }
}
