import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type Input, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import type { Change, RegionsyncMsg } from "./messages.ts";
import type { RegionsyncOptions } from "./options.ts";

/** A key's value with its last-writer-wins stamp (stamp, then origin breaks ties). */
export interface Cell {
  v: string;
  ts: number;
  o: string;
}

/** What a target holds of one source's log: its position, and how many changes it applied (and their seqs' sum). */
export interface Inbound {
  pos: number;
  count: number;
  sum: number;
}

/** The source's progress towards one target (etcd's tracker.Progress, reduced to a window). */
export interface Outbound {
  acked: number;
  sent: number;
  /** Time the backlog at the last resume was noted, and its end position (for the catch-up metric); -1: none. */
  resumeAt: number;
  resumeEnd: number;
  retryArmed: boolean;
  /** Pull mode (target side): a pull is outstanding since this time (-1: none). */
  pullAt: number;
}

export interface RegionsyncState {
  options: RegionsyncOptions;
  bugs: ReadonlySet<string>;
  id: string;
  store: Map<string, Cell>;
  /** This region's own changes, log[i].seq === i + 1. */
  log: Change[];
  inbound: Map<string, Inbound>;
  outbound: Map<string, Outbound>;
  /** Batches waiting for the CPU (compression/encryption) before they are sent, by timer name. */
  cpuQueue: Map<string, { to: string; msg: RegionsyncMsg }>;
  cpuFreeAt: number;
  /** Target side: batches that arrived past a gap, by source and first position - 1 (volatile). */
  reorder: Map<string, Map<number, readonly Change[]>>;
  nextOut: number;
  flushPending: boolean;
  /** Client requests already answered (requestId -> result), so a retried request is not applied twice. */
  done: Map<number, unknown>;
  damaged: boolean;
}

const DONE_KEPT = 4096;

export function pairLabel(source: string, target: string): string {
  return `${source}->${target}`;
}

/** Wire bytes of a batch of `n` changes: the header plus the changes, compressed. */
export function batchWireBytes(o: RegionsyncOptions, n: number): number {
  assert(n >= 0, () => `regionsync: a batch of ${n} changes`);
  const bytes = o.headerBytes + Math.ceil(n * o.changeBytes * o.compressionRatio);
  assert(bytes >= o.headerBytes, "regionsync: a batch is at least its header");
  return bytes;
}

/** CPU micros charged before sending a batch of `n` changes: compression of the raw bytes, encryption of the result. */
export function batchCpuMicros(o: RegionsyncOptions, n: number): number {
  const raw = n * o.changeBytes;
  const nanos = raw * o.compressNanosPerByte + Math.ceil(raw * o.compressionRatio) * o.encryptNanosPerByte;
  const us = Math.ceil(nanos / 1000);
  assert(us >= 0 && Number.isFinite(us), () => `regionsync: CPU cost ${us}us for ${n} changes`);
  return us;
}

function later(a: Cell | undefined, ts: number, o: string): boolean {
  return a === undefined || ts > a.ts || (ts === a.ts && o > a.o);
}

export function createRegionsync(
  ctx: NodeContext<RegionsyncMsg>,
  o: RegionsyncOptions,
  bugs: ReadonlySet<string>,
): RegionsyncState {
  const s: RegionsyncState = {
    options: o,
    bugs,
    id: ctx.id,
    store: new Map(),
    log: [],
    inbound: new Map(),
    outbound: new Map(),
    cpuQueue: new Map(),
    cpuFreeAt: 0,
    reorder: new Map(),
    nextOut: 1,
    flushPending: false,
    done: new Map(),
    damaged: false,
  };
  const count = ctx.read("count");
  const n = typeof count === "number" ? count : 0;
  if (count === CORRUPT) s.damaged = true;
  for (let seq = 1; seq <= n && !s.damaged; seq++) {
    const c = ctx.read(`log:${seq}`);
    if (c === CORRUPT || c === undefined) s.damaged = true;
    else s.log.push(c as Change);
  }
  for (const k of ctx.keys("kv:")) {
    const c = ctx.read(k);
    if (c === CORRUPT) s.damaged = true;
    else if (c !== undefined) s.store.set(k.slice(3), c as Cell);
  }
  for (const peer of ctx.peers) {
    const inb = ctx.read(`in:${peer}`);
    if (inb === CORRUPT) s.damaged = true;
    s.inbound.set(peer, inb !== undefined && inb !== CORRUPT ? { ...(inb as Inbound) } : { pos: 0, count: 0, sum: 0 });
    const a = ctx.read(`acked:${peer}`);
    const acked = typeof a === "number" ? Math.min(a, s.log.length) : 0;
    s.outbound.set(peer, {
      acked,
      sent: acked,
      resumeAt: -1,
      resumeEnd: -1,
      retryArmed: false,
      pullAt: -1,
    });
  }
  assert(
    s.log.every((c, i) => c.seq === i + 1),
    () => `regionsync: ${ctx.id}'s log is not contiguous`,
  );
  assert(s.outbound.size === ctx.peers.length, "regionsync: one outbound progress per peer");
  return s;
}

export function stepRegionsync(s: RegionsyncState, input: Input<RegionsyncMsg>, ctx: NodeContext<RegionsyncMsg>): void {
  switch (input.kind) {
    case "start":
      if (s.damaged) ctx.note("disk damaged: this region stops serving", { changes: s.log.length });
      if (s.options.mode === "pull") ctx.setTimer("poll", s.options.pollMicros);
      else for (const peer of ctx.peers) pump(s, peer, ctx);
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      return onTimer(s, input.name, ctx);
    default:
      return assertNever(input, "input");
  }
}

function onClient(s: RegionsyncState, requestId: number, op: KvOp, ctx: NodeContext<RegionsyncMsg>): void {
  if (s.damaged) return ctx.reply(requestId, { type: "fail", error: "disk damaged" });
  if (s.done.has(requestId)) return ctx.reply(requestId, { type: "ok", value: s.done.get(requestId) });
  const cell = s.store.get(op.key);
  const current = cell?.v ?? null;
  if (op.f === "read") return ctx.reply(requestId, { type: "ok", value: current });
  const r = kvApply(current, op);
  if (r.value !== current || op.f === "write") {
    assert(r.value !== null, "regionsync: a write, cas or append leaves a value");
    const now = ctx.now();
    const change: Change = {
      seq: s.log.length + 1,
      key: op.key,
      value: r.value,
      ts: Math.max(now, (cell?.ts ?? 0) + 1),
      at: now,
    };
    s.log.push(change);
    s.store.set(op.key, { v: r.value, ts: change.ts, o: s.id });
    ctx.persist(`log:${change.seq}`, change);
    ctx.persist(`kv:${op.key}`, s.store.get(op.key));
    ctx.persist("count", s.log.length);
    ctx.sync();
    onNewChange(s, ctx);
  }
  if (s.done.size >= DONE_KEPT) s.done.delete(s.done.keys().next().value as number);
  s.done.set(requestId, r.result);
  assert(s.done.size <= DONE_KEPT, "regionsync: the answered-requests table stays bounded");
  ctx.reply(requestId, { type: "ok", value: r.result });
}

function onNewChange(s: RegionsyncState, ctx: NodeContext<RegionsyncMsg>): void {
  for (const peer of ctx.peers) recordBacklog(s, peer, ctx);
  if (s.options.mode !== "push" || s.flushPending) return;
  s.flushPending = true;
  ctx.setTimer("flush", s.options.flushMicros);
}

function recordBacklog(s: RegionsyncState, peer: string, ctx: NodeContext<RegionsyncMsg>): void {
  const out = s.outbound.get(peer) as Outbound;
  assert(out.acked <= s.log.length, () => `regionsync: ${peer} acked ${out.acked} of ${s.log.length} changes`);
  ctx.metric("regionsync.backlog", s.log.length - out.acked, pairLabel(s.id, peer));
}

function onTimer(s: RegionsyncState, name: string, ctx: NodeContext<RegionsyncMsg>): void {
  if (name === "flush") {
    s.flushPending = false;
    for (const peer of ctx.peers) pump(s, peer, ctx);
  } else if (name === "poll") {
    for (const peer of ctx.peers) poll(s, peer, ctx, false);
    ctx.setTimer("poll", s.options.pollMicros);
  } else if (name.startsWith("retry:")) {
    retry(s, name.slice(6), ctx);
  } else if (name.startsWith("cpu:")) {
    const job = s.cpuQueue.get(name);
    assert(job !== undefined, () => `regionsync: CPU timer ${name} without its batch`);
    s.cpuQueue.delete(name);
    ctx.send(job.to, job.msg);
  } else assert(false, () => `regionsync: unknown timer ${name}`);
}

/** Send a batch after the CPU has compressed and encrypted it (batches queue for the one CPU, in order). */
function sendBatch(
  s: RegionsyncState,
  to: string,
  from: number,
  n: number,
  last: boolean,
  ctx: NodeContext<RegionsyncMsg>,
): void {
  assert(n >= 1 && from + n <= s.log.length, () => `regionsync: batch ${from}+${n} of ${s.log.length} changes`);
  const changes = s.log.slice(from, from + n);
  const wireBytes = batchWireBytes(s.options, n);
  const msg: RegionsyncMsg = { type: "batch", from, changes, wireBytes, more: from + n < s.log.length, last };
  ctx.metric("regionsync.bytes", wireBytes, pairLabel(s.id, to));
  const cpu = batchCpuMicros(s.options, n);
  if (cpu === 0) return ctx.send(to, msg);
  ctx.metric("regionsync.cpu", cpu, pairLabel(s.id, to));
  const now = ctx.now();
  const at = Math.max(now, s.cpuFreeAt) + cpu;
  s.cpuFreeAt = at;
  const name = `cpu:${s.nextOut++}`;
  s.cpuQueue.set(name, { to, msg });
  ctx.setTimer(name, at - now);
  assert(at > now, "regionsync: a batch with CPU cost leaves later");
}

/** Push: send what the window allows, from `sent` on. */
function pump(s: RegionsyncState, peer: string, ctx: NodeContext<RegionsyncMsg>): void {
  const out = s.outbound.get(peer) as Outbound;
  const o = s.options;
  assert(
    out.acked <= out.sent && out.sent <= s.log.length,
    () => `regionsync: ${peer} acked ${out.acked} sent ${out.sent}`,
  );
  while (out.sent < s.log.length && out.sent - out.acked < o.window * o.batch) {
    const n = Math.min(o.batch, s.log.length - out.sent, o.window * o.batch - (out.sent - out.acked));
    sendBatch(s, peer, out.sent, n, false, ctx);
    out.sent += n;
  }
  if (out.sent > out.acked && !out.retryArmed) {
    out.retryArmed = true;
    ctx.setTimer(`retry:${peer}`, o.retryMicros);
  }
  assert(out.sent - out.acked <= o.window * o.batch, "regionsync: no more than the window in flight");
}

/** No progress for retryMicros: resend from the last acknowledged position (or, with the bug, from the last sent). */
function retry(s: RegionsyncState, peer: string, ctx: NodeContext<RegionsyncMsg>): void {
  const out = s.outbound.get(peer) as Outbound;
  out.retryArmed = false;
  if (out.sent === out.acked && out.sent === s.log.length) return;
  ctx.metric("regionsync.retries", 1, pairLabel(s.id, peer));
  if (s.bugs.has("resume-from-sent")) {
    out.acked = out.sent;
    ctx.persist(`acked:${peer}`, out.acked);
  } else out.sent = out.acked;
  out.resumeAt = ctx.now();
  out.resumeEnd = s.log.length;
  ctx.metric("regionsync.resume-backlog", s.log.length - out.sent, pairLabel(s.id, peer));
  ctx.note(`resume to ${peer} from ${out.sent}`, { acked: out.acked, backlog: s.log.length - out.sent });
  pump(s, peer, ctx);
}

/** Pull (target side): ask `peer` for what follows our position, unless a pull is outstanding and not yet stale. */
function poll(s: RegionsyncState, peer: string, ctx: NodeContext<RegionsyncMsg>, eager: boolean): void {
  const out = s.outbound.get(peer) as Outbound;
  const inb = s.inbound.get(peer) as Inbound;
  const now = ctx.now();
  if (!eager && out.pullAt >= 0 && now - out.pullAt < s.options.retryMicros) return;
  out.pullAt = now;
  ctx.send(peer, { type: "pull", from: inb.pos, max: s.options.window * s.options.batch });
  assert(inb.pos >= 0, "regionsync: a position is never negative");
}

function onMessage(s: RegionsyncState, from: string, msg: RegionsyncMsg, ctx: NodeContext<RegionsyncMsg>): void {
  if (s.damaged) return;
  switch (msg.type) {
    case "batch":
      return onBatch(s, from, msg.from, msg.changes, msg.more, msg.last, ctx);
    case "ack":
      return onAck(s, from, msg.pos, ctx);
    case "pull": {
      onAck(s, from, msg.from, ctx);
      const out = s.outbound.get(from) as Outbound;
      let at = msg.from;
      const end = Math.min(s.log.length, msg.from + msg.max);
      while (at < end) {
        const n = Math.min(s.options.batch, end - at);
        sendBatch(s, from, at, n, at + n === end, ctx);
        at += n;
      }
      if (msg.from >= end) {
        const empty: RegionsyncMsg = {
          type: "batch",
          from: msg.from,
          changes: [],
          wireBytes: s.options.headerBytes,
          more: false,
          last: true,
        };
        ctx.send(from, empty);
      }
      out.sent = Math.max(out.sent, at);
      assert(at <= s.log.length, () => `regionsync: answered a pull up to ${at}, past ${s.log.length} changes`);
      return;
    }
    default:
      return assertNever(msg, "regionsync message");
  }
}

function onAck(s: RegionsyncState, from: string, pos: number, ctx: NodeContext<RegionsyncMsg>): void {
  const out = s.outbound.get(from) as Outbound;
  assert(pos >= 0, () => `regionsync: ${from} acknowledged position ${pos}`);
  if (pos > s.log.length) return ctx.note(`ack from ${from} past the log`, { pos, log: s.log.length });
  if (pos > out.acked) {
    out.acked = pos;
    ctx.persist(`acked:${from}`, pos);
    if (out.resumeEnd >= 0 && pos >= out.resumeEnd) {
      ctx.metric("regionsync.catch-up", ctx.now() - out.resumeAt, pairLabel(s.id, from));
      out.resumeEnd = -1;
    }
    if (s.options.mode === "push") {
      ctx.cancelTimer(`retry:${from}`);
      out.retryArmed = false;
    }
  }
  out.sent = Math.max(out.sent, out.acked);
  recordBacklog(s, from, ctx);
  if (s.options.mode === "push") pump(s, from, ctx);
  assert(out.acked <= out.sent, "regionsync: acknowledged no more than sent");
}

/** Target: apply the changes that follow our position, exactly once, durably, then acknowledge. */
function onBatch(
  s: RegionsyncState,
  from: string,
  base: number,
  changes: readonly Change[],
  more: boolean,
  last: boolean,
  ctx: NodeContext<RegionsyncMsg>,
): void {
  const inb = s.inbound.get(from) as Inbound;
  const before = inb.pos;
  const next = collect(s, from, inb.pos, base, changes);
  const newPos = next.reduce((p, c) => Math.max(p, c.seq), inb.pos);
  if (s.bugs.has("ack-before-apply") && next.length > 0) ctx.send(from, { type: "ack", pos: newPos });
  const now = ctx.now();
  for (const c of next) {
    const cell = s.store.get(c.key);
    if (c.value !== null && later(cell, c.ts, from)) {
      s.store.set(c.key, { v: c.value, ts: c.ts, o: from });
      ctx.persist(`kv:${c.key}`, s.store.get(c.key));
    }
    inb.count++;
    inb.sum += c.seq;
    ctx.metric("regionsync.lag", Math.max(0, now - c.at), pairLabel(from, s.id));
  }
  inb.pos = newPos;
  if (next.length > 0) {
    ctx.persist(`in:${from}`, { ...inb });
    ctx.sync();
  }
  if (!s.bugs.has("ack-before-apply") || next.length === 0) ctx.send(from, { type: "ack", pos: inb.pos });
  if (s.options.mode === "pull" && last) {
    (s.outbound.get(from) as Outbound).pullAt = -1;
    if (more) poll(s, from, ctx, true);
  }
  assert(inb.pos >= before, () => `regionsync: ${s.id}'s position for ${from} went back from ${before} to ${inb.pos}`);
}

/**
 * The changes to apply now, in order: those of this batch and of batches held back (they arrived before an earlier
 * one: latency jitter reorders messages) that follow position `pos` without a gap. A batch past a gap is held back,
 * up to twice the window ahead. With the no-dedup bug, a batch that starts at or before `pos` is taken whole.
 */
function collect(s: RegionsyncState, from: string, pos: number, base: number, changes: readonly Change[]): Change[] {
  let buf = s.reorder.get(from);
  if (buf === undefined) s.reorder.set(from, (buf = new Map()));
  const limit = 2 * s.options.window * s.options.batch;
  assert(base >= 0 && pos >= 0, () => `regionsync: a batch from ${base} at position ${pos}`);
  if (base > pos && base - pos <= limit && buf.size < 4 * s.options.window) buf.set(base, changes);
  const next: Change[] = [];
  let at = pos;
  const take = (cs: readonly Change[]) => {
    for (const c of cs) {
      if (s.bugs.has("no-dedup") || c.seq === at + 1) {
        next.push(c);
        at = Math.max(at, c.seq);
      }
    }
  };
  if (base <= pos) take(changes);
  for (;;) {
    let key = -1;
    for (const k of buf.keys()) if (k <= at && (key < 0 || k < key)) key = k;
    if (key < 0) break;
    take(buf.get(key) as Change[]);
    buf.delete(key);
  }
  assert(at >= pos, "regionsync: collecting never moves the position back");
  return next;
}
