import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type Input, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import { type HlcClock, hlcCompare, hlcReceive, hlcText, hlcTick } from "./hlc.ts";
import type { MultiMasterMsg, Update } from "./messages.ts";
import type { MultiMasterOptions } from "./options.ts";
import { joinedValue, sortSiblings, type Version, versionId, vvCompare, vvJoin } from "./versions.ts";

/** Replication progress towards one peer (etcd's tracker, reduced): what was sent, what the peer acknowledged. */
export interface PeerProgress {
  /** Highest own seq shipped (optimistically) to the peer. */
  sent: number;
  /** Highest own seq the peer acknowledged holding durably. */
  acked: number;
  /** Local time the peer was last heard from (-1: not since this node started). */
  lastHeard: number;
}

/** Two concurrent versions of a key met in a merge at this node (read by the observer, which counts them once). */
export interface MergeEvent {
  key: string;
  /** The two versions' ids, sorted. */
  pair: [string, string];
  /** LWW: the id kept. Siblings mode: null (both kept, unless the planted bug dropped one). */
  winner: string | null;
}

export interface MultiMasterState {
  options: MultiMasterOptions;
  bugs: ReadonlySet<string>;
  id: string;
  clock: HlcClock;
  /** This node's own writes, seq 1..n (log[i].seq === i + 1), durable. */
  log: Update[];
  /** key -> its versions: exactly one under LWW; siblings in canonical order under `siblings`. */
  store: Map<string, Version[]>;
  /** origin -> highest seq of the origin's writes applied here (contiguous); the node's own entry is log.length. */
  applied: Map<string, number>;
  peers: Map<string, PeerProgress>;
  /** requestId -> result, for retried requests. */
  results: Map<number, unknown>;
  events: MergeEvent[];
  /** Times a silent peer was heard again (a healed partition, a restarted peer). */
  reconnects: number;
  flushPending: boolean;
  damaged: boolean;
  /**
   * The log length at the last two retry ticks ([older, newer]): writes up to `marks[0]` were shipped at least one
   * retry interval ago and re-sent at the last tick if lost, so every reachable peer should hold them (`caught-up`).
   */
  marks: [number, number];
}

/** A limit: a node keeps at most this many request results for de-duplication (oldest dropped first). */
export const MAX_RESULTS = 100_000;

export function createMultiMaster(
  ctx: NodeContext<MultiMasterMsg>,
  o: MultiMasterOptions,
  bugs: ReadonlySet<string>,
): MultiMasterState {
  const s: MultiMasterState = {
    options: o,
    bugs,
    id: ctx.id,
    clock: { wall: 0, logical: 0 },
    log: [],
    store: new Map(),
    applied: new Map(),
    peers: new Map(ctx.peers.map((p) => [p, { sent: 0, acked: 0, lastHeard: -1 }])),
    results: new Map(),
    events: [],
    reconnects: 0,
    flushPending: false,
    damaged: false,
    marks: [0, 0],
  };
  loadDurable(s, ctx);
  assert(s.applied.get(s.id) === s.log.length, () => `${s.id}: own applied is not the log length after a load`);
  return s;
}

/** Rebuild the log, the store and the applied counters from disk; the clock restarts past everything seen. */
function loadDurable(s: MultiMasterState, ctx: NodeContext<MultiMasterMsg>): void {
  const count = ctx.read("count");
  if (count === CORRUPT) s.damaged = true;
  const n = typeof count === "number" ? count : 0;
  for (let seq = 1; seq <= n && !s.damaged; seq++) {
    const u = ctx.read(`u:${seq}`);
    if (u === CORRUPT || u === undefined) s.damaged = true;
    else {
      s.log.push(u as Update);
      s.results.set((u as Update).requestId, (u as Update).result);
    }
  }
  for (const k of ctx.keys("k:")) {
    const vs = ctx.read(k);
    if (vs === CORRUPT) s.damaged = true;
    else if (Array.isArray(vs)) s.store.set(k.slice(2), vs as Version[]);
  }
  for (const k of ctx.keys("applied:")) {
    const a = ctx.read(k);
    if (a === CORRUPT) s.damaged = true;
    else if (typeof a === "number") s.applied.set(k.slice("applied:".length), a);
  }
  s.applied.set(s.id, s.log.length);
  for (const vs of s.store.values()) for (const v of vs) bumpClock(s.clock, v.hlc);
  for (const u of s.log) bumpClock(s.clock, u.hlc);
  for (const [i, u] of s.log.entries())
    assert(u.seq === i + 1 && u.origin === s.id, () => `${s.id}: stored write ${i + 1} is ${u.seq}`);
  for (const vs of s.store.values()) assert(vs.length >= 1, () => `${s.id}: a stored key with no version`);
}

function bumpClock(clock: HlcClock, h: { wall: number; logical: number }): void {
  if (h.wall > clock.wall || (h.wall === clock.wall && h.logical > clock.logical)) {
    clock.wall = h.wall;
    clock.logical = h.logical;
  }
}

export function stepMultiMaster(
  s: MultiMasterState,
  input: Input<MultiMasterMsg>,
  ctx: NodeContext<MultiMasterMsg>,
): void {
  switch (input.kind) {
    case "start":
      if (s.damaged) ctx.note("disk damaged: this node stops serving", { writes: s.log.length });
      ctx.setTimer("retry", s.options.retryMicros);
      if (s.log.length > 0) scheduleFlush(s, ctx);
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      if (input.name === "flush") return flush(s, ctx);
      assert(input.name === "retry", () => `multimaster: unknown timer ${input.name}`);
      retry(s, ctx);
      ctx.setTimer("retry", s.options.retryMicros);
      return;
    default:
      return assertNever(input, "input");
  }
}

/** A client op, served locally: reads from the local store, writes accepted here and shipped later. */
function onClient(s: MultiMasterState, requestId: number, op: KvOp, ctx: NodeContext<MultiMasterMsg>): void {
  if (s.damaged) return ctx.reply(requestId, { type: "fail", error: "disk damaged" });
  if (s.results.has(requestId)) return ctx.reply(requestId, { type: "ok", value: s.results.get(requestId) });
  const cur = s.store.get(op.key);
  const r = kvApply(joinedValue(cur), op);
  if (op.f === "read" || (op.f === "cas" && r.result !== true))
    return ctx.reply(requestId, { type: "ok", value: r.result });
  assert(typeof r.value === "string", () => `multimaster: ${op.f} on ${op.key} produced no value`);
  const seq = s.log.length + 1;
  const hlc = hlcTick(s.clock, ctx.now(), s.id);
  const vv = vvJoin([...(cur ?? []).map((v) => v.vv), { [s.id]: seq }]);
  const saw = (cur ?? []).map(versionId);
  const u: Update = { origin: s.id, seq, requestId, key: op.key, value: r.value, hlc, vv, saw, result: r.result };
  const version: Version = { value: u.value, origin: s.id, seq, hlc, vv };
  for (const v of cur ?? []) {
    assert(vvCompare(v.vv, vv) === "before", () => `${s.id}: a local write must supersede what it saw`);
    assert(hlcCompare(v.hlc, hlc, false) < 0, () => `${s.id}: a local write's HLC must follow what it saw`);
  }
  s.log.push(u);
  s.applied.set(s.id, seq);
  s.store.set(op.key, [version]);
  rememberResult(s, requestId, r.result);
  ctx.persist(`u:${seq}`, u);
  ctx.persist("count", seq);
  ctx.persist(`k:${op.key}`, [version]);
  ctx.sync();
  ctx.reply(requestId, { type: "ok", value: r.result });
  scheduleFlush(s, ctx);
}

function rememberResult(s: MultiMasterState, requestId: number, result: unknown): void {
  s.results.set(requestId, result);
  if (s.results.size > MAX_RESULTS) {
    const oldest = s.results.keys().next().value as number;
    s.results.delete(oldest);
  }
}

function scheduleFlush(s: MultiMasterState, ctx: NodeContext<MultiMasterMsg>): void {
  if (s.flushPending) return;
  s.flushPending = true;
  ctx.setTimer("flush", s.options.flushMicros);
}

/** Ship to every peer the next batch of writes it has not been sent. */
function flush(s: MultiMasterState, ctx: NodeContext<MultiMasterMsg>): void {
  assert(s.flushPending, () => `${s.id}: a flush timer fired that was not pending`);
  s.flushPending = false;
  let more = false;
  for (const [peer, p] of s.peers) {
    if (p.sent >= s.log.length) continue;
    ship(s, ctx, peer, p);
    if (p.sent < s.log.length) more = true;
  }
  if (more) scheduleFlush(s, ctx);
  for (const [peer, p] of s.peers) assert(p.sent <= s.log.length, () => `${s.id}: sent ${peer} past the log`);
}

/** Send `peer` the writes after `p.sent` (at most a batch; none: a heartbeat), and move `p.sent` past them. */
function ship(s: MultiMasterState, ctx: NodeContext<MultiMasterMsg>, peer: string, p: PeerProgress): void {
  assert(p.sent <= s.log.length, () => `${s.id}: sent ${p.sent} to ${peer}, past the log (${s.log.length})`);
  const updates = s.log.slice(p.sent, p.sent + s.options.batch);
  if (updates.length > 0) assert(updates[0]?.seq === p.sent + 1, () => `${s.id}: a batch to ${peer} skips a seq`);
  ctx.send(peer, { type: "replicate", updates });
  p.sent += updates.length;
}

/**
 * Anti-entropy: resume each peer from what it acknowledged (writes sent since may have been lost), and heartbeat.
 * The planted bug `no-anti-entropy-resume` resumes from the newest write sent instead.
 */
function retry(s: MultiMasterState, ctx: NodeContext<MultiMasterMsg>): void {
  if (s.damaged) return;
  s.marks = [s.marks[1], s.log.length];
  assert(s.marks[0] <= s.marks[1], () => `${s.id}: retry marks go backwards (${s.marks.join(", ")})`);
  for (const [peer, p] of s.peers) {
    assert(p.acked <= p.sent, () => `${s.id}: ${peer} acknowledged ${p.acked}, past sent ${p.sent}`);
    if (!s.bugs.has("no-anti-entropy-resume")) p.sent = p.acked;
    ship(s, ctx, peer, p);
  }
  if (s.log.length > 0) scheduleFlush(s, ctx);
}

function onMessage(s: MultiMasterState, from: string, msg: MultiMasterMsg, ctx: NodeContext<MultiMasterMsg>): void {
  heard(s, from, ctx);
  if (s.damaged) return;
  switch (msg.type) {
    case "replicate":
      return onReplicate(s, from, msg.updates, ctx);
    case "ack": {
      const p = s.peers.get(from);
      assert(p !== undefined, () => `${s.id}: an ack from ${from}, not a peer`);
      p.acked = Math.min(Math.max(p.acked, msg.seq), s.log.length);
      if (p.sent < p.acked) p.sent = p.acked;
      return;
    }
    default:
      return assertNever(msg, "multimaster message");
  }
}

/** A peer heard from: count a reconnection when it had been silent for longer than `suspectMicros`. */
function heard(s: MultiMasterState, from: string, ctx: NodeContext<MultiMasterMsg>): void {
  const p = s.peers.get(from);
  assert(p !== undefined, () => `${s.id}: a message from ${from}, not a peer`);
  const now = ctx.now();
  if (p.lastHeard >= 0 && now - p.lastHeard > s.options.suspectMicros) {
    s.reconnects++;
    ctx.note(`${from} heard again after ${Math.round((now - p.lastHeard) / 1000)}ms of silence`, { peer: from });
  }
  p.lastHeard = now;
}

/** Apply the origin's writes that come next in its order, durably, then acknowledge how far this node holds them. */
function onReplicate(s: MultiMasterState, origin: string, updates: Update[], ctx: NodeContext<MultiMasterMsg>): void {
  const before = s.applied.get(origin) ?? 0;
  let a = before;
  const touched = new Set<string>();
  for (const u of updates) {
    assert(u.origin === origin, () => `${s.id}: ${origin} shipped a write of ${u.origin}`);
    if (u.seq <= a) continue;
    if (u.seq !== a + 1) break;
    hlcReceive(s.clock, u.hlc, ctx.now());
    merge(s, u, ctx);
    touched.add(u.key);
    a = u.seq;
  }
  if (a > before) {
    s.applied.set(origin, a);
    for (const k of touched) ctx.persist(`k:${k}`, s.store.get(k));
    ctx.persist(`applied:${origin}`, a);
    ctx.sync();
  }
  assert((s.applied.get(origin) ?? 0) >= before, () => `${s.id}: applied from ${origin} went backwards`);
  ctx.send(origin, { type: "ack", seq: a });
}

/** Merge a remote write into the key's versions, by the configured resolution. */
function merge(s: MultiMasterState, u: Update, ctx: NodeContext<MultiMasterMsg>): void {
  const incoming: Version = { value: u.value, origin: u.origin, seq: u.seq, hlc: u.hlc, vv: u.vv };
  const cur = s.store.get(u.key);
  if (cur === undefined || cur.length === 0) {
    s.store.set(u.key, [incoming]);
    return;
  }
  if (s.options.resolution === "lww") mergeLww(s, u.key, cur, incoming, ctx);
  else mergeSiblings(s, u.key, cur, incoming, ctx);
  const after = s.store.get(u.key) ?? [];
  assert(after.length >= 1 && after.length <= s.options.maxSiblings, () => `${s.id}: ${u.key} holds ${after.length}`);
}

/** Last writer wins: the larger HLC timestamp stays. A concurrent pair (by version vectors) is a conflict. */
function mergeLww(
  s: MultiMasterState,
  key: string,
  cur: Version[],
  incoming: Version,
  ctx: NodeContext<MultiMasterMsg>,
): void {
  assert(cur.length === 1, () => `${s.id}: under LWW ${key} holds ${cur.length} versions`);
  const held = cur[0] as Version;
  const cmp = hlcCompare(incoming.hlc, held.hlc, s.bugs.has("lww-ignores-logical"));
  const winner = cmp > 0 ? incoming : held;
  if (cmp > 0) s.store.set(key, [incoming]);
  if (vvCompare(incoming.vv, held.vv) !== "concurrent") return;
  const pair = [versionId(held), versionId(incoming)].sort() as [string, string];
  s.events.push({ key, pair, winner: versionId(winner) });
  ctx.note(`conflict on ${key}: ${versionId(winner)} wins (LWW)`, {
    key,
    held: `${versionId(held)}=${held.value} @${hlcText(held.hlc)}`,
    incoming: `${versionId(incoming)}=${incoming.value} @${hlcText(incoming.hlc)}`,
    winner: versionId(winner),
  });
}

/**
 * Version vectors: drop the incoming version when a held one has seen it; otherwise it replaces the versions it has
 * seen and stays beside the concurrent ones (siblings). The planted bug `vv-drop-sibling` drops the concurrent ones.
 */
function mergeSiblings(
  s: MultiMasterState,
  key: string,
  cur: Version[],
  incoming: Version,
  ctx: NodeContext<MultiMasterMsg>,
): void {
  if (cur.some((v) => ["after", "equal"].includes(vvCompare(v.vv, incoming.vv)))) return;
  let keep = cur.filter((v) => vvCompare(v.vv, incoming.vv) === "concurrent");
  for (const v of keep) {
    const pair = [versionId(v), versionId(incoming)].sort() as [string, string];
    s.events.push({ key, pair, winner: null });
  }
  if (keep.length > 0 && s.bugs.has("vv-drop-sibling")) keep = [];
  const next = sortSiblings([...keep, incoming]);
  assert(next.length <= s.options.maxSiblings, () => `${s.id}: ${key} would hold ${next.length} siblings`);
  s.store.set(key, next);
  if (keep.length === 0) return;
  ctx.note(`conflict on ${key}: ${next.length} siblings`, {
    key,
    incoming: `${versionId(incoming)}=${incoming.value}`,
    siblings: next.map((v) => `${versionId(v)}=${v.value}`),
    read: joinedValue(next),
  });
}
