import { CORRUPT, type Input, type KvOp, type NodeContext, type NodeView } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { coordinatorTick, onAck, onOutcomeRequest, onVote, startTxn } from "./coordinator.ts";
import type { TwoPcMsg } from "./messages.ts";
import { commitOptions } from "../commit/options.ts";
import { onDecision, onPrepare, participantTick } from "./participant.ts";
import type { CoordTxn, PartTxn, PreparedRecord, TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;

export function createTwoPc(ctx: Ctx, options: unknown, bugs: ReadonlySet<string>): TwoPcState {
  const o = commitOptions(options);
  const coordinator = o.coordinator ?? (ctx.nodes[0] as string);
  const s: TwoPcState = {
    o,
    bug: { commitOnTimeout: bugs.has("commit-on-timeout"), decisionNotLogged: bugs.has("decision-not-logged"), participantAbortAfterYes: bugs.has("participant-abort-after-yes") },
    id: ctx.id,
    coordinator,
    isCoordinator: ctx.id === coordinator,
    participants: ctx.nodes.filter((n) => n !== coordinator),
    epoch: 0,
    seq: 0,
    ctxns: new Map(),
    byRequest: new Map(),
    ptxns: new Map(),
    kv: new Map(),
    locks: new Map(),
    waiters: new Map(),
    active: new Set(),
    armedMicros: Number.POSITIVE_INFINITY,
    flushPending: false,
    facts: [],
    committed: 0,
    aborted: 0,
    lastTxn: null,
    damaged: false,
  };
  if (s.isCoordinator) loadCoordinator(s, ctx);
  else loadParticipant(s, ctx);
  return s;
}

function damaged(s: TwoPcState, key: string, ctx: Ctx): void {
  if (!s.damaged) ctx.note(`disk damaged (${key} failed its checksum): this node stops taking part`, { key });
  s.damaged = true;
}

/** The coordinator's log: the epoch and one `dec:<txn>` record per commit. Commits not yet acknowledged are re-sent. */
function loadCoordinator(s: TwoPcState, ctx: Ctx): void {
  const epoch = ctx.read("epoch");
  if (epoch === CORRUPT) return damaged(s, "epoch", ctx);
  s.epoch = (typeof epoch === "number" ? epoch : 0) + 1;
  for (const key of ctx.keys("dec:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const r = rec as { decision: "commit"; participants: string[]; done: boolean };
    const txn = key.slice(4);
    const t: CoordTxn = { txn, requestId: null, op: { f: "read", key: "" }, participants: r.participants, votes: new Map(), phase: r.decision, unacked: new Set(r.done ? [] : r.participants), dueMicros: 0, outcome: null };
    s.ctxns.set(txn, t);
    if (!r.done) s.active.add(txn);
    s.committed++;
  }
}

/** A participant's disk: `kv:<key>` committed values, `p:<txn>` prepared (voted yes, undecided), `d:<txn>` decisions. */
function loadParticipant(s: TwoPcState, ctx: Ctx): void {
  for (const key of ctx.keys("kv:")) {
    const v = ctx.read(key);
    if (v === CORRUPT) return damaged(s, key, ctx);
    if (typeof v === "string") s.kv.set(key.slice(3), v);
  }
  for (const key of ctx.keys("d:")) {
    const d = ctx.read(key);
    if (d === CORRUPT) return damaged(s, key, ctx);
    if (d !== "commit" && d !== "abort") continue;
    s.ptxns.set(key.slice(2), { txn: key.slice(2), key: "", op: { f: "read", key: "" }, participants: [], phase: d, value: null, dueMicros: Number.POSITIVE_INFINITY, asking: false });
    if (d === "commit") s.committed++;
    else s.aborted++;
  }
  for (const key of ctx.keys("p:")) {
    const rec = ctx.read(key);
    if (rec === CORRUPT || rec === undefined) return damaged(s, key, ctx);
    const r = rec as PreparedRecord;
    // In doubt: hold the lock again and ask the coordinator at once.
    s.ptxns.set(r.txn, { txn: r.txn, key: r.key, op: r.op, participants: r.participants, phase: "prepared", value: r.value, dueMicros: 0, asking: false });
    s.locks.set(r.key, r.txn);
    s.active.add(r.txn);
  }
}

export function stepTwoPc(s: TwoPcState, input: Input<TwoPcMsg, KvOp>, ctx: Ctx): void {
  if (s.damaged) {
    if (input.kind === "client") ctx.reply(input.requestId, s.isCoordinator ? { type: "fail", error: "coordinator disk damaged" } : { type: "redirect", leader: s.coordinator });
    return;
  }
  switch (input.kind) {
    case "start":
      if (s.isCoordinator) {
        ctx.persist("epoch", s.epoch);
        ctx.sync();
      }
      break;
    case "client":
      if (!s.isCoordinator) ctx.reply(input.requestId, { type: "redirect", leader: s.coordinator });
      else startTxn(s, input.requestId, input.op, ctx);
      break;
    case "message":
      onMessage(s, input.from, input.msg, ctx);
      break;
    case "timer":
      onTimer(s, input.name, ctx);
      break;
    default:
      assertNever(input, "input");
  }
  rearm(s, ctx);
}

function onMessage(s: TwoPcState, from: string, m: TwoPcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "prepare":
      if (!s.isCoordinator) onPrepare(s, from, m, ctx);
      return;
    case "vote":
      if (s.isCoordinator) onVote(s, from, m.txn, m.vote, m.value, m.reason, ctx);
      return;
    case "commit":
    case "abort":
      if (!s.isCoordinator) onDecision(s, from, m.txn, m.type, ctx);
      return;
    case "ack":
      if (s.isCoordinator) onAck(s, from, m.txn, ctx);
      return;
    case "outcome-req":
      if (s.isCoordinator) onOutcomeRequest(s, from, m.txn, ctx);
      return;
    default:
      assertNever(m, "2pc message");
  }
}

function onTimer(s: TwoPcState, name: string, ctx: Ctx): void {
  switch (name) {
    case "tick":
      s.armedMicros = Number.POSITIVE_INFINITY;
      if (s.isCoordinator) coordinatorTick(s, ctx);
      else participantTick(s, ctx);
      return;
    case "flush":
      s.flushPending = false;
      ctx.sync();
      return;
    default:
      ctx.note(`unknown timer ${name}`);
  }
}

/** Arm the one timer for the earliest pending timeout (a few transactions at most are pending at once). */
function rearm(s: TwoPcState, ctx: Ctx): void {
  let due = Number.POSITIVE_INFINITY;
  for (const txn of s.active) {
    const t = (s.isCoordinator ? s.ctxns.get(txn) : s.ptxns.get(txn)) as CoordTxn | PartTxn;
    if (t.dueMicros < due) due = t.dueMicros;
  }
  if (due === s.armedMicros) return;
  s.armedMicros = due;
  if (due === Number.POSITIVE_INFINITY) ctx.cancelTimer("tick");
  else ctx.setTimer("tick", Math.max(0, due - ctx.now()));
}

/** Prepared transactions a participant is blocked on (past their decision timeout, asking for the outcome). */
export function blockedCount(s: TwoPcState): number {
  let n = 0;
  for (const txn of s.active) if (s.ptxns.get(txn)?.asking) n++;
  return n;
}

export function twoPcView(s: TwoPcState): NodeView {
  const phase = s.lastTxn === null ? null : s.isCoordinator ? (s.ctxns.get(s.lastTxn)?.phase ?? null) : (s.ptxns.get(s.lastTxn)?.phase ?? null);
  const v: NodeView = { role: s.damaged ? "damaged" : s.isCoordinator ? "coordinator" : "participant", txn: s.lastTxn, phase, active: s.active.size, committed: s.committed, aborted: s.aborted };
  if (!s.isCoordinator) {
    v.locks = s.locks.size;
    v.blocked = blockedCount(s);
  }
  return v;
}
