import { CORRUPT, type ClientReply, type Input, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import type { Entry, RegisterMsg } from "./messages.ts";
import type { RegisterOptions } from "./options.ts";

export interface RegisterState {
  options: RegisterOptions;
  bugs: ReadonlySet<string>;
  primary: string;
  isPrimary: boolean;
  /** Every entry this node holds durably, by seq (1-based, contiguous). */
  log: Entry[];
  /** Applied state (primary: committed entries; backups: every entry held). */
  kv: Map<string, string>;
  applied: number;
  /** Primary only: highest seq each backup acknowledged, and the commit point. */
  match: Map<string, number>;
  commit: number;
  /** requestIds already in the log, so a retried request is not appended twice. */
  seen: Set<number>;
  /** Primary only: requestId -> results waiting for commit. */
  waiting: Map<number, number>;
  /** Damaged disk: the node stops serving (it cannot trust its copy). */
  damaged: boolean;
}

export function createRegister(
  ctx: NodeContext<RegisterMsg>,
  o: RegisterOptions,
  bugs: ReadonlySet<string>,
): RegisterState {
  const primary = o.primary ?? (ctx.nodes[0] as string);
  const s: RegisterState = {
    options: o,
    bugs,
    primary,
    isPrimary: ctx.id === primary,
    log: [],
    kv: new Map(),
    applied: 0,
    match: new Map(),
    commit: 0,
    seen: new Set(),
    waiting: new Map(),
    damaged: false,
  };
  const count = ctx.read("count");
  if (count === CORRUPT) s.damaged = true;
  const n = typeof count === "number" ? count : 0;
  for (let seq = 1; seq <= n; seq++) {
    const e = ctx.read(`entry:${seq}`);
    if (e === CORRUPT || e === undefined) {
      s.damaged = true;
      break;
    }
    s.log.push(e as Entry);
    s.seen.add((e as Entry).requestId);
  }
  if (!s.isPrimary || o.mode === "single") applyUpTo(s, s.log.length);
  return s;
}

function applyUpTo(s: RegisterState, seq: number): unknown[] {
  const results: unknown[] = [];
  while (s.applied < seq) {
    const e = s.log[s.applied] as Entry;
    const r = kvApply(s.kv.get(e.op.key) ?? null, e.op);
    if (r.value === null) s.kv.delete(e.op.key);
    else s.kv.set(e.op.key, r.value);
    s.applied++;
    results.push(r.result);
  }
  return results;
}

function append(s: RegisterState, ctx: NodeContext<RegisterMsg>, entries: Entry[]): void {
  for (const e of entries) {
    s.log.push(e);
    s.seen.add(e.requestId);
    ctx.persist(`entry:${e.seq}`, e);
  }
  ctx.persist("count", s.log.length);
}

export function stepRegister(s: RegisterState, input: Input<RegisterMsg>, ctx: NodeContext<RegisterMsg>): void {
  switch (input.kind) {
    case "start":
      if (s.damaged) ctx.note("disk damaged: this node stops serving until repaired", { entries: s.log.length });
      if (s.isPrimary && s.options.mode === "primary-backup") ctx.setTimer("retry", s.options.retryMicros);
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      resend(s, ctx);
      ctx.setTimer("retry", s.options.retryMicros);
      return;
    default:
      return assertNever(input, "input");
  }
}

function onClient(s: RegisterState, requestId: number, op: KvOp, ctx: NodeContext<RegisterMsg>): void {
  if (s.damaged) return ctx.reply(requestId, { type: "fail", error: "disk damaged" });
  if (!s.isPrimary) {
    if (op.f === "read" && s.bugs.has("stale-backup-read"))
      return ctx.reply(requestId, { type: "ok", value: s.kv.get(op.key) ?? null });
    return ctx.reply(requestId, { type: "redirect", leader: s.primary });
  }
  if (op.f === "read" && s.commit === s.log.length)
    return ctx.reply(requestId, { type: "ok", value: s.kv.get(op.key) ?? null });
  if (s.seen.has(requestId)) return; // a retry of an op already in the log: its reply comes at commit
  const entry: Entry = { seq: s.log.length + 1, requestId, op };
  if (s.bugs.has("ack-before-replicate") && op.f !== "read") {
    const r = kvApply(s.kv.get(op.key) ?? null, op);
    ctx.reply(requestId, { type: "ok", value: r.result });
  }
  append(s, ctx, [entry]);
  if (!s.bugs.has("ack-before-replicate")) ctx.sync();
  s.waiting.set(requestId, entry.seq);
  if (s.options.mode === "single") return advance(s, ctx);
  for (const peer of ctx.peers) ctx.send(peer, { type: "replicate", entries: [entry] });
  advance(s, ctx);
}

function onMessage(s: RegisterState, from: string, msg: RegisterMsg, ctx: NodeContext<RegisterMsg>): void {
  switch (msg.type) {
    case "replicate": {
      if (s.isPrimary || s.damaged) return;
      const fresh = msg.entries.filter((e) => e.seq === s.log.length + 1 || e.seq > s.log.length);
      const next: Entry[] = [];
      for (const e of fresh) if (e.seq === s.log.length + next.length + 1) next.push(e);
      if (next.length > 0) {
        append(s, ctx, next);
        ctx.sync();
        applyUpTo(s, s.log.length);
      }
      ctx.send(from, { type: "ack", seq: s.log.length });
      return;
    }
    case "ack":
      if (!s.isPrimary) return;
      s.match.set(from, msg.seq);
      advance(s, ctx);
      return;
    default:
      return assertNever(msg, "register message");
  }
}

/** Primary: commit every entry held by a majority, apply it, answer its client. */
function advance(s: RegisterState, ctx: NodeContext<RegisterMsg>): void {
  const n = ctx.nodes.length;
  const quorum = s.options.mode === "single" ? 1 : Math.floor(n / 2) + 1;
  let commit = s.commit;
  while (commit < s.log.length) {
    let copies = 1;
    for (const m of s.match.values()) if (m >= commit + 1) copies++;
    if (copies < quorum) break;
    commit++;
  }
  if (commit === s.commit) return;
  const from = s.applied;
  const results = applyUpTo(s, commit);
  s.commit = commit;
  results.forEach((result, i) => {
    const e = s.log[from + i] as Entry;
    if (!s.waiting.delete(e.requestId) || s.bugs.has("ack-before-replicate")) return;
    const reply: ClientReply = { type: "ok", value: result };
    ctx.reply(e.requestId, reply);
  });
}

/** Primary: re-send to each backup what it has not acknowledged. */
function resend(s: RegisterState, ctx: NodeContext<RegisterMsg>): void {
  if (!s.isPrimary) return;
  for (const peer of ctx.peers) {
    const m = s.match.get(peer) ?? 0;
    if (m >= s.log.length) continue;
    ctx.send(peer, { type: "replicate", entries: s.log.slice(m, m + s.options.batch) });
  }
}
