import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type Input, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { assertNever, type Micros, type NodeId } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import { compareHlc, type HlcClock, hlcReceive, hlcTick, showHlc } from "./hlc.ts";
import type { MultimasterMsg } from "./messages.ts";
import type { MultimasterOptions } from "./options.ts";
import { type Clock, clockText, descends, joinClocks, showVersion, type Version } from "./versions.ts";

/** Most updates one origin may issue in a run (a limit, checked: the logs are kept whole). */
export const MAX_UPDATES_PER_ORIGIN = 1_000_000;

/**
 * What a replica knows about one peer (etcd's progress tracker, reduced): `acked` is what the peer confirmed it holds,
 * `sent` what was shipped past that (the next update to ship is sent + 1). A restarted replica probes (ships nothing
 * but heartbeats) until the peer's first ack says where to resume.
 */
export interface Progress {
  acked: Clock;
  sent: Clock;
  probing: boolean;
  lastAckAt: Micros;
  /** `acked` at the previous retry tick, as text: unchanged while updates are outstanding means resend. */
  ackedAtRetry: string;
  /** No ack for two retry intervals: the peer is cut off (or down). */
  silent: boolean;
  /** Since contact resumed after a silence: when, and what this replica held then (converge time when acked). */
  catchup: { since: Micros; target: Clock } | null;
}

export interface MultimasterState {
  options: MultimasterOptions;
  bugs: ReadonlySet<string>;
  id: NodeId;
  hlc: HlcClock;
  /** Per origin, every update of it this replica holds, seq 1..n contiguous (index seq - 1). */
  logs: Map<NodeId, Version[]>;
  /** Per key, the versions held: one under lww; the concurrent siblings under siblings, newest stamp first. */
  store: Map<string, Version[]>;
  /** Per key, every version applied here (what the invariants and observers judge the store against). */
  history: Map<string, Version[]>;
  progress: Map<NodeId, Progress>;
  /** requestId -> result of client writes applied here (de-duplicates a retried request). */
  seen: Map<number, unknown>;
  damaged: boolean;
  flushArmed: boolean;
  /** Conflicts this incarnation resolved (for the view). */
  conflicts: number;
  /** Keys whose held versions the latest step changed (for the invariants). */
  touched: string[];
}

export function appliedOf(s: MultimasterState, origin: NodeId): number {
  return s.logs.get(origin)?.length ?? 0;
}

export function appliedClock(s: MultimasterState): Clock {
  const c: Clock = {};
  for (const [o, log] of s.logs) if (log.length > 0) c[o] = log.length;
  return c;
}

/** a holds every update b names. */
export function covers(a: Clock, b: Clock): boolean {
  for (const [k, n] of Object.entries(b)) if ((a[k] ?? 0) < n) return false;
  return true;
}

/** What a read of the key answers: null, the value, or the siblings' values newest first joined by commas. */
export function readValue(held: readonly Version[] | undefined): string | null {
  if (held === undefined || held.length === 0) return null;
  return held.map((v) => v.value).join(",");
}

function newestFirst(vs: Version[]): Version[] {
  return vs.sort((a, b) => compareHlc(b.hlc, a.hlc));
}

export function createMultimaster(
  ctx: NodeContext<MultimasterMsg>,
  options: MultimasterOptions,
  bugs: ReadonlySet<string>,
): MultimasterState {
  const s: MultimasterState = {
    options,
    bugs,
    id: ctx.id,
    hlc: { wall: 0, logical: 0 },
    logs: new Map(ctx.nodes.map((n) => [n, []])),
    store: new Map(),
    history: new Map(),
    progress: new Map(),
    seen: new Map(),
    damaged: false,
    flushArmed: false,
    conflicts: 0,
    touched: [],
  };
  for (const p of ctx.peers) {
    s.progress.set(p, {
      acked: {},
      sent: {},
      probing: true,
      lastAckAt: ctx.now(),
      ackedAtRetry: "",
      silent: false,
      catchup: null,
    });
  }
  recover(s, ctx);
  assert(s.progress.size === ctx.peers.length, "one progress per peer");
  return s;
}

/** Rebuild from durable storage: each origin's contiguous prefix of updates, applied in order (no notes/metrics). */
function recover(s: MultimasterState, ctx: NodeContext<MultimasterMsg>): void {
  const found = new Map<NodeId, Map<number, Version>>();
  for (const key of ctx.keys("u:")) {
    const v = ctx.read(key);
    if (v === CORRUPT) {
      s.damaged = true;
      return;
    }
    if (v === undefined) continue;
    const u = v as Version;
    let m = found.get(u.origin);
    if (m === undefined) found.set(u.origin, (m = new Map()));
    m.set(u.seq, u);
  }
  for (const origin of ctx.nodes) {
    const m = found.get(origin);
    for (let seq = 1; m?.has(seq) === true; seq++) applyVersion(s, m.get(seq) as Version, ctx, true);
  }
  for (const [o, log] of s.logs)
    assert(
      log.every((v, i) => v.seq === i + 1),
      () => `${o}'s log is not contiguous`,
    );
  s.touched = [];
}

export function stepMultimaster(
  s: MultimasterState,
  input: Input<MultimasterMsg>,
  ctx: NodeContext<MultimasterMsg>,
): void {
  s.touched = [];
  switch (input.kind) {
    case "start":
      if (s.damaged) ctx.note("disk damaged: this replica stops serving", {});
      else ctx.setTimer("retry", 0);
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      if (s.damaged) return;
      if (input.msg.type === "replicate") return onReplicate(s, input.from, input.msg.updates, ctx);
      if (input.msg.type === "ack") return onAck(s, input.from, input.msg, ctx);
      return assertNever(input.msg, "multimaster message");
    case "timer":
      if (s.damaged) return;
      if (input.name === "flush") return flush(s, ctx);
      if (input.name === "retry") return retry(s, ctx);
      assert(false, () => `unknown timer ${input.name}`);
      return;
    default:
      return assertNever(input, "input");
  }
}

function onClient(s: MultimasterState, requestId: number, op: KvOp, ctx: NodeContext<MultimasterMsg>): void {
  if (s.damaged) return ctx.reply(requestId, { type: "fail", error: "disk damaged" });
  const held = s.store.get(op.key);
  if (op.f === "read") return ctx.reply(requestId, { type: "ok", value: readValue(held) });
  if (s.seen.has(requestId)) return ctx.reply(requestId, { type: "ok", value: s.seen.get(requestId) });
  const current = readValue(held);
  const r = kvApply(current, op);
  if (op.f === "cas" && r.result !== true) return ctx.reply(requestId, { type: "ok", value: r.result });
  assert(r.value !== null, () => `a ${op.f} left key ${op.key} without a value`);
  const seq = appliedOf(s, s.id) + 1;
  assert(seq <= MAX_UPDATES_PER_ORIGIN, () => `${s.id} issued more than ${MAX_UPDATES_PER_ORIGIN} updates`);
  // The write supersedes every version held here: the replica acts as the client's read-modify-write context.
  const clock = joinClocks((held ?? []).map((v) => v.clock));
  clock[s.id] = seq;
  const v: Version = {
    origin: s.id,
    seq,
    key: op.key,
    value: r.value,
    hlc: hlcTick(s.hlc, ctx.now(), s.id),
    clock,
    over: (held ?? []).map((h) => `${h.origin}:${h.seq}`),
    requestId,
  };
  applyVersion(s, v, ctx, false);
  ctx.persist(`u:${s.id}:${seq}`, v);
  ctx.sync();
  s.seen.set(requestId, r.result);
  ctx.reply(requestId, { type: "ok", value: r.result });
  armFlush(s, ctx);
  assert(s.store.get(op.key)?.[0] === v, "a local write is what its replica holds");
}

/**
 * Apply one update (in its origin's order) to the logs, the history and the store, resolving a conflict with what is
 * held. `replay`: rebuilding at start (no notes, no metrics).
 */
function applyVersion(s: MultimasterState, v: Version, ctx: NodeContext<MultimasterMsg>, replay: boolean): void {
  const log = s.logs.get(v.origin);
  assert(log !== undefined && log.length + 1 === v.seq, () => `${dotOfText(v)} applied out of order at ${s.id}`);
  if (v.origin !== s.id || replay) hlcReceive(s.hlc, v.hlc, ctx.now());
  log.push(v);
  const h = s.history.get(v.key);
  if (h === undefined) s.history.set(v.key, [v]);
  else h.push(v);
  const held = s.store.get(v.key) ?? [];
  if (s.options.resolution === "lww") resolveLww(s, held, v, ctx, replay);
  else resolveSiblings(s, held, v, ctx, replay);
  s.touched.push(v.key);
  assert((s.store.get(v.key)?.length ?? 0) >= 1, () => `key ${v.key} holds no version after an update`);
}

const dotOfText = (v: Version): string => `update ${v.origin}:${v.seq}`;

/** Last writer wins: the larger hybrid-logical-clock stamp is kept; concurrent versions are a conflict, noted. */
function resolveLww(
  s: MultimasterState,
  held: Version[],
  v: Version,
  ctx: NodeContext<MultimasterMsg>,
  replay: boolean,
): void {
  const cur = held[0];
  if (cur === undefined || (v.origin === s.id && !replay)) {
    s.store.set(v.key, [v]);
    return;
  }
  assert(held.length === 1, () => `lww holds ${held.length} versions of ${v.key}`);
  const newer = compareHlc(v.hlc, cur.hlc, s.bugs.has("lww-ignores-logical")) > 0;
  if (!descends(v, cur) && !descends(cur, v) && !replay) {
    const winner = newer ? v : cur;
    s.conflicts++;
    ctx.metric("conflicts", 1, s.id);
    ctx.note(`conflict on ${v.key}: lww keeps ${showVersion(winner)}`, {
      key: v.key,
      resolution: "lww",
      held: { version: showVersion(cur), hlc: showHlc(cur.hlc) },
      incoming: { version: showVersion(v), hlc: showHlc(v.hlc) },
      winner: showVersion(winner),
    });
  }
  if (newer) s.store.set(v.key, [v]);
  assert(s.store.get(v.key)?.length === 1, () => `lww holds one version of ${v.key}`);
}

/** Version vectors: a version dominated by a held one is obsolete; one concurrent with some held ones joins them. */
function resolveSiblings(
  s: MultimasterState,
  held: Version[],
  v: Version,
  ctx: NodeContext<MultimasterMsg>,
  replay: boolean,
): void {
  assert(held.length > 0 || s.store.get(v.key) === undefined, "siblings: a key absent from the store holds none");
  if (held.some((h) => descends(h, v))) return;
  const sum = (c: Clock): number => Object.values(c).reduce((a, b) => a + b, 0);
  const supersedes = (h: Version): boolean =>
    descends(v, h) || (s.bugs.has("vv-drop-sibling") && sum(v.clock) > sum(h.clock));
  const keep = held.filter((h) => !supersedes(h));
  const next = newestFirst([...keep, v]);
  s.store.set(v.key, next);
  if (keep.length > 0 && !replay) {
    s.conflicts++;
    ctx.metric("conflicts", 1, s.id);
    ctx.metric("siblings.created", 1, s.id);
    ctx.note(`conflict on ${v.key}: ${next.length} siblings kept`, {
      key: v.key,
      resolution: "siblings",
      held: held.map(showVersion),
      incoming: showVersion(v),
      siblings: next.map(showVersion),
    });
  }
  assert(next.length <= held.length + 1, "an update adds at most one sibling");
}

function onReplicate(s: MultimasterState, from: NodeId, updates: Version[], ctx: NodeContext<MultimasterMsg>): void {
  assert(s.progress.has(from), () => `replicate from ${from}, which is no peer of ${s.id}`);
  let applied = 0;
  let gap = false;
  for (const u of updates) {
    // Only the next update of its origin: a gap waits for the sender to resend from what this replica acknowledged.
    if (u.seq > appliedOf(s, u.origin) + 1) gap = true;
    if (u.seq !== appliedOf(s, u.origin) + 1) continue;
    applyVersion(s, u, ctx, false);
    ctx.persist(`u:${u.origin}:${u.seq}`, u);
    applied++;
  }
  if (applied > 0) {
    ctx.sync();
    armFlush(s, ctx);
  }
  ctx.send(from, { type: "ack", applied: appliedClock(s), gap });
  assert(applied <= updates.length, "applied at most what came");
}

function onAck(
  s: MultimasterState,
  from: NodeId,
  msg: { applied: Clock; gap: boolean },
  ctx: NodeContext<MultimasterMsg>,
): void {
  const p = s.progress.get(from);
  assert(p !== undefined, () => `ack from ${from}, which is no peer of ${s.id}`);
  p.acked = joinClocks([p.acked, msg.applied]);
  // The peer skipped a gap: resend from what it acknowledged (the bug resumes from the newest update instead).
  p.sent = msg.gap && !s.bugs.has("no-anti-entropy-resume") ? { ...p.acked } : joinClocks([p.sent, p.acked]);
  p.lastAckAt = ctx.now();
  p.probing = false;
  if (p.silent) {
    p.silent = false;
    p.catchup = { since: ctx.now(), target: appliedClock(s) };
    ctx.note(`${from} is back: catching it up`, {
      peer: from,
      acked: clockText(p.acked),
      holds: clockText(p.catchup.target),
    });
  }
  if (p.catchup !== null && covers(p.acked, p.catchup.target)) {
    const took = ctx.now() - p.catchup.since;
    ctx.metric("converge.after-heal", took, `${s.id}->${from}`);
    ctx.note(`${from} caught up`, { peer: from, micros: took });
    p.catchup = null;
  }
  // Everything in flight is acknowledged and more is waiting (a catch-up): ship the next batch now.
  if (covers(p.acked, p.sent) && !covers(p.sent, appliedClock(s))) ship(s, from, p, ctx, false);
  assert(covers(p.sent, p.acked), "sent covers acked");
}

function armFlush(s: MultimasterState, ctx: NodeContext<MultimasterMsg>): void {
  if (s.flushArmed) return;
  s.flushArmed = true;
  ctx.setTimer("flush", s.options.flushMicros);
}

/** Ship each peer the updates past what was sent to it, one batch each (async replication, batched). */
function flush(s: MultimasterState, ctx: NodeContext<MultimasterMsg>): void {
  s.flushArmed = false;
  const mine = appliedClock(s);
  let more = false;
  for (const [peer, p] of s.progress) {
    if (p.probing || covers(p.sent, mine)) continue;
    ship(s, peer, p, ctx, false);
    if (!covers(p.sent, mine)) more = true;
  }
  if (more) armFlush(s, ctx);
}

/** Heartbeat every peer; resend from what a peer acknowledged when it made no progress since the last tick. */
function retry(s: MultimasterState, ctx: NodeContext<MultimasterMsg>): void {
  const now = ctx.now();
  const mine = appliedClock(s);
  for (const [peer, p] of s.progress) {
    if (!p.silent && now - p.lastAckAt >= 2 * s.options.retryMicros) {
      p.silent = true;
      p.catchup = null;
      ctx.note(`${peer} is silent`, { peer, acked: clockText(p.acked) });
    }
    const stalled = !covers(p.acked, mine) && clockText(p.acked) === p.ackedAtRetry;
    if (stalled) {
      // Anti-entropy resumes from what the peer acknowledged; the bug skips to the newest update instead.
      p.sent = s.bugs.has("no-anti-entropy-resume") ? joinClocks([p.sent]) : { ...p.acked };
    }
    p.ackedAtRetry = clockText(p.acked);
    ship(s, peer, p, ctx, p.probing);
  }
  ctx.setTimer("retry", s.options.retryMicros);
  assert(s.progress.size === ctx.peers.length, "one progress per peer");
}

/** Send one batch past `p.sent` (a heartbeat when there is none, or while probing) and move `p.sent` past it. */
function ship(s: MultimasterState, peer: NodeId, p: Progress, ctx: NodeContext<MultimasterMsg>, probe: boolean): void {
  const updates: Version[] = [];
  if (!probe) {
    for (const [origin, log] of s.logs) {
      for (let seq = (p.sent[origin] ?? 0) + 1; seq <= log.length && updates.length < s.options.batch; seq++) {
        updates.push(log[seq - 1] as Version);
      }
      const last = updates.length > 0 ? (updates[updates.length - 1] as Version) : undefined;
      if (last !== undefined && last.origin === origin) p.sent[origin] = last.seq;
    }
  }
  assert(updates.length <= s.options.batch, "a batch holds at most `batch` updates");
  ctx.send(peer, { type: "replicate", updates });
}
