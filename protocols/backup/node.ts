import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type Input, type KvOp, type NodeContext } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import { blockSha, planChain, recordBytes, toBlocks } from "./blocks.ts";
import type { BackupMsg, BackupRecord, LogEntry, Manifest } from "./messages.ts";
import type { BackupKind, BackupOptions } from "./options.ts";

type Ctx = NodeContext<BackupMsg>;

/** A backup the data node has taken (durable: the base of later deltas). */
export interface Taken {
  id: string;
  kind: BackupKind;
  seq: number;
  /** Its snapshot time (local clock). */
  t: number;
  /** The log length when the store confirmed it (what the incremental-gap bug wrongly uses as the base). */
  doneSeq: number;
}

/** A restore in progress (or finished) on its target node. */
export interface RestoreState {
  source: string;
  point: number | null;
  startedAt: number;
  phase: "list" | "fetch" | "log" | "done";
  manifests: Manifest[];
  bad: Set<string>;
  blocks: Map<string, (BackupRecord[] | null)[]>;
  chain: Manifest[];
  checksumFailures: number;
  /** After `done`: the source's log position and time the restored state matches, and a frozen copy of it. */
  restoredSeq: number;
  restoredT: number;
  restoredKv: Map<string, string>;
  lostKeys: string[];
}

export interface BackupState {
  options: BackupOptions;
  bugs: ReadonlySet<string>;
  role: "data" | "store" | "spare" | "restored";
  store: string;
  dataNodes: string[];
  /** Who serves each data node's keys (the data node, or its restore target once it joined). */
  owner: Map<string, string>;
  kv: Map<string, string>;
  log: LogEntry[];
  seen: Set<number>;
  taken: Taken[];
  /** The backup in flight (at most one per data node). */
  inFlight: { id: string; kind: BackupKind; startedAt: number; seq: number } | null;
  /** Store only: blocks received per backup id, and manifests waiting for their blocks. */
  pending: Map<string, { manifest: Manifest | null; have: Set<number>; from: string }>;
  restore: RestoreState | null;
}

/** Which data node's shard a key belongs to: a stable hash of its characters. */
export function shardOf(key: string, dataNodes: readonly string[]): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  const n = dataNodes[h % dataNodes.length];
  assert(n !== undefined, () => `backup: no data node for key ${key}`);
  return n;
}

export function createBackup(ctx: Ctx, o: BackupOptions, bugs: ReadonlySet<string>): BackupState {
  const store = o.store ?? (ctx.nodes[ctx.nodes.length - 1] as string);
  const targets = new Set(o.restores.map((r) => r.target));
  const dataNodes = ctx.nodes.filter((n) => n !== store && !targets.has(n));
  assert(dataNodes.length > 0, "backup: at least one data node");
  for (const r of o.restores)
    assert(dataNodes.includes(r.source), () => `backup: restore source ${r.source} is a data node`);
  const s: BackupState = {
    options: o,
    bugs,
    role: ctx.id === store ? "store" : targets.has(ctx.id) ? "spare" : "data",
    store,
    dataNodes,
    owner: new Map(dataNodes.map((n) => [n, n])),
    kv: new Map(),
    log: [],
    seen: new Set(),
    taken: [],
    inFlight: null,
    pending: new Map(),
    restore: null,
  };
  const count = ctx.read("count");
  for (let seq = 1; typeof count === "number" && seq <= count; seq++) {
    const e = ctx.read(`log:${seq}`);
    assert(
      e !== CORRUPT && e !== undefined && (e as LogEntry).seq === seq,
      () => `backup: ${ctx.id} log entry ${seq} unreadable`,
    );
    const entry = e as LogEntry;
    s.log.push(entry);
    if (entry.value === null) s.kv.delete(entry.key);
    else s.kv.set(entry.key, entry.value);
  }
  const taken = ctx.read("taken");
  if (Array.isArray(taken)) s.taken = taken as Taken[];
  const joined = ctx.read("joined");
  if (typeof joined === "string") {
    s.role = "restored";
    s.owner.set(joined, ctx.id);
    const kv = ctx.read("restoredKv");
    if (Array.isArray(kv)) s.kv = new Map(kv as [string, string][]);
  }
  return s;
}

export function stepBackup(s: BackupState, input: Input<BackupMsg>, ctx: Ctx): void {
  switch (input.kind) {
    case "start":
      if (s.role === "data") scheduleNext(s, ctx);
      for (const r of s.options.restores)
        if (r.target === ctx.id && s.role === "spare") ctx.setTimer("restore", Math.max(0, r.atMicros - ctx.now()));
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      if (input.name === "backup") {
        startBackup(s, ctx);
        scheduleNext(s, ctx);
      } else if (input.name === "backup-timeout") {
        if (s.inFlight !== null) ctx.note(`backup ${s.inFlight.id} abandoned: not stored in time`);
        s.inFlight = null;
      } else if (input.name === "restore") beginRestore(s, ctx);
      else if (input.name === "log-wait") finishRestore(s, ctx, null);
      return;
    default:
      return assertNever(input, "input");
  }
}

function scheduleNext(s: BackupState, ctx: Ctx): void {
  const every = s.options.deltaEveryMicros;
  const next = (Math.floor(ctx.now() / every) + 1) * every;
  assert(next > ctx.now(), "backup: the next backup is in the future");
  ctx.setTimer("backup", next - ctx.now());
}

function onClient(s: BackupState, requestId: number, op: KvOp, ctx: Ctx): void {
  const owner = s.owner.get(shardOf(op.key, s.dataNodes)) as string;
  const mine = s.role === "data" || s.role === "restored" ? owner === ctx.id : false;
  if (!mine) return ctx.reply(requestId, { type: "redirect", leader: owner });
  if (op.f === "read") return ctx.reply(requestId, { type: "ok", value: s.kv.get(op.key) ?? null });
  if (s.inFlight !== null && temperatureOf(s, ctx.id) === "cold") {
    ctx.metric("backup.paused-writes", 1, ctx.id);
    return ctx.reply(requestId, { type: "fail", error: "cold backup in progress: writes paused" });
  }
  if (s.seen.has(requestId)) return; // a retry of a write already applied: its reply was sent (or lost with a crash)
  s.seen.add(requestId);
  const before = s.log.length;
  const r = kvApply(s.kv.get(op.key) ?? null, op);
  if (r.value === null) s.kv.delete(op.key);
  else s.kv.set(op.key, r.value);
  if (s.role === "data") {
    const e: LogEntry = { seq: s.log.length + 1, t: ctx.now(), key: op.key, value: r.value };
    s.log.push(e);
    ctx.persist(`log:${e.seq}`, e);
    ctx.persist("count", e.seq);
  } else ctx.persist("restoredKv", [...s.kv]);
  assert(s.log.length === before + (s.role === "data" ? 1 : 0), "backup: a data node logs each write once");
  assert((s.kv.get(op.key) ?? null) === r.value, () => `backup: ${op.key} holds the write's value`);
  ctx.sync();
  ctx.reply(requestId, { type: "ok", value: r.result });
}

/** A data node's backup temperature: temperature[i mod length] for the i-th data node. */
export function temperatureOf(s: BackupState, node: string): "hot" | "cold" {
  const i = s.dataNodes.indexOf(node);
  assert(i >= 0, () => `backup: ${node} is not a data node`);
  return s.options.temperature[i % s.options.temperature.length] as "hot" | "cold";
}

/** Data node: take the scheduled backup (full, or the node's delta kind against its base). */
function startBackup(s: BackupState, ctx: Ctx): void {
  if (s.inFlight !== null) return ctx.note(`backup skipped: ${s.inFlight.id} still in flight`);
  const o = s.options;
  const deltaKind = o.delta[s.dataNodes.indexOf(ctx.id) % o.delta.length] as "incremental" | "differential";
  const lastFull = [...s.taken].reverse().find((b) => b.kind === "full");
  const now = ctx.now();
  // A full when none was taken yet, or when a new period of fullEveryMicros began since the last one (robust to a
  // clock that drifts off the exact multiples).
  const period = (t: number) => Math.floor(t / o.fullEveryMicros);
  const kind: BackupKind = lastFull === undefined || period(now) > period(lastFull.t) ? "full" : deltaKind;
  const base = kind === "full" ? undefined : kind === "incremental" ? s.taken[s.taken.length - 1] : lastFull;
  assert(kind === "full" || base !== undefined, () => `backup: a ${kind} without a base`);
  // The delta holds every key changed after the base's snapshot point (incremental-gap: after the point the base
  // was confirmed, which misses the writes made while the base was being copied).
  const since = base === undefined ? 0 : s.bugs.has("incremental-gap") ? base.doneSeq : base.seq;
  const changed = new Set<string>();
  for (let i = since; i < s.log.length; i++) changed.add((s.log[i] as LogEntry).key);
  const keys = kind === "full" ? [...s.kv.keys()] : [...changed];
  const records: BackupRecord[] = keys.sort().map((k) => [k, s.kv.get(k) ?? null]);
  const blocks = toBlocks(records, o.blockKeys);
  const id = `${ctx.id}@${now}`;
  const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
  const manifest: Manifest = {
    id,
    source: ctx.id,
    kind,
    base: base?.id ?? null,
    seq: s.log.length,
    t: now,
    startedAt: now,
    shas: blocks.map(blockSha),
    keys: blocks.map((b) => b.map((r) => r[0])),
    bytes,
  };
  s.inFlight = { id, kind, startedAt: now, seq: s.log.length };
  assert(kind !== "full" || manifest.base === null, "backup: a full has no base");
  blocks.forEach((b, index) => {
    ctx.send(s.store, { type: "block", id, index, records: b, bytes: b.reduce((n, r) => n + recordBytes(r), 0) });
  });
  ctx.send(s.store, { type: "manifest", manifest });
  ctx.setTimer("backup-timeout", o.backupTimeoutMicros);
  assert(manifest.shas.length === blocks.length, "backup: one checksum per block");
  ctx.note(`${kind} backup ${id}: ${records.length} keys, ${blocks.length} blocks, ${bytes} bytes`);
}

function onMessage(s: BackupState, from: string, msg: BackupMsg, ctx: Ctx): void {
  switch (msg.type) {
    case "block":
    case "manifest":
      return onStoreWrite(s, from, msg, ctx);
    case "stored":
      return onStored(s, msg.id, ctx);
    case "list": {
      const manifests: Manifest[] = [];
      let unreadable = 0;
      for (const k of ctx.keys(`manifest:${msg.source}@`)) {
        const m = ctx.read(k);
        if (m === CORRUPT) unreadable++;
        else manifests.push(m as Manifest);
      }
      if (unreadable > 0) ctx.metric("backup.checksum-failures", unreadable);
      return ctx.send(from, { type: "manifests", source: msg.source, manifests, unreadable });
    }
    case "fetch":
      for (const id of msg.ids) sendBlocks(from, id, ctx);
      return;
    case "manifests":
      return onManifests(s, msg.manifests, msg.unreadable, ctx);
    case "blocks":
      return onBlocks(s, msg.id, msg.blocks, ctx);
    case "logReq": {
      const entries = s.log.filter((e) => e.seq > msg.afterSeq && e.t <= msg.untilT);
      return ctx.send(from, { type: "log", entries });
    }
    case "log":
      if (s.restore?.phase === "log") finishRestore(s, ctx, msg.entries);
      return;
    case "joined":
      s.owner.set(msg.source, from);
      return;
    default:
      return assertNever(msg, "backup message");
  }
}

/** Store: keep a block or a manifest; once a backup is whole, sync and confirm it to its source. */
function onStoreWrite(s: BackupState, from: string, msg: BackupMsg, ctx: Ctx): void {
  assert(msg.type === "block" || msg.type === "manifest", "backup: a store write is a block or a manifest");
  if (s.role !== "store") return;
  const id = msg.type === "block" ? msg.id : msg.manifest.id;
  let p = s.pending.get(id);
  if (p === undefined) s.pending.set(id, (p = { manifest: null, have: new Set(), from }));
  if (msg.type === "block") {
    ctx.persist(`block:${id}:${msg.index}`, msg.records);
    p.have.add(msg.index);
  } else p.manifest = msg.manifest;
  const m = p.manifest;
  assert(m === null || m.id === id, () => `backup: manifest ${m?.id} filed under ${id}`);
  if (m === null || p.have.size < m.shas.length) return;
  ctx.persist(`manifest:${id}`, m);
  ctx.sync();
  s.pending.delete(id);
  assert(!s.pending.has(id), "backup: a stored backup is no longer pending");
  ctx.metric("backup.bytes", m.bytes, m.kind);
  ctx.metric("backup.duration", ctx.now() - m.startedAt, m.kind);
  ctx.send(p.from, { type: "stored", id });
}

function onStored(s: BackupState, id: string, ctx: Ctx): void {
  if (s.inFlight === null || s.inFlight.id !== id) return; // abandoned, or a duplicate
  const seq = s.inFlight.seq;
  assert(seq <= s.log.length, () => `backup: snapshot point ${seq} past the log's ${s.log.length}`);
  s.taken.push({ id, kind: s.inFlight.kind, seq, t: s.inFlight.startedAt, doneSeq: s.log.length });
  ctx.persist("taken", s.taken);
  ctx.sync();
  ctx.cancelTimer("backup-timeout");
  s.inFlight = null;
}

function sendBlocks(to: string, id: string, ctx: Ctx): void {
  const m = ctx.read(`manifest:${id}`);
  if (m === CORRUPT || m === undefined) return ctx.send(to, { type: "blocks", id, blocks: [], bytes: 0 });
  const n = (m as Manifest).shas.length;
  const blocks: (BackupRecord[] | null)[] = [];
  for (let i = 0; i < n; i++) {
    const key = `block:${id}:${i}`;
    // The raw bytes on disk: the restore checks its own sha256 (ctx.read would reject a damaged block itself).
    const raw = ctx.readUnchecked !== undefined ? ctx.readUnchecked(key) : ctx.read(key);
    blocks.push(raw === CORRUPT || !Array.isArray(raw) ? null : (raw as BackupRecord[]));
  }
  assert(blocks.length === n, "backup: one entry per block");
  ctx.send(to, { type: "blocks", id, blocks, bytes: (m as Manifest).bytes });
}

/** Restore target: ask the store for the source's manifests. */
function beginRestore(s: BackupState, ctx: Ctx): void {
  const r = s.options.restores.find((x) => x.target === ctx.id);
  assert(r !== undefined && s.role === "spare", () => `backup: ${ctx.id} has no restore to run`);
  assert(s.restore === null, () => `backup: ${ctx.id} started a second restore`);
  s.restore = {
    source: r.source,
    point: r.pointMicros,
    startedAt: ctx.now(),
    phase: "list",
    manifests: [],
    bad: new Set(),
    blocks: new Map(),
    chain: [],
    checksumFailures: 0,
    restoredSeq: 0,
    restoredT: 0,
    restoredKv: new Map(),
    lostKeys: [],
  };
  ctx.note(`restore of ${r.source} to ${r.pointMicros === null ? "the latest point" : `${r.pointMicros}us`}`);
  ctx.send(s.store, { type: "list", source: r.source });
}

function onManifests(s: BackupState, manifests: Manifest[], unreadable: number, ctx: Ctx): void {
  const r = s.restore;
  if (r === null || r.phase !== "list") return;
  assert(unreadable >= 0, () => `backup: ${unreadable} unreadable manifests`);
  assert(
    manifests.every((m) => m.source === r.source),
    "backup: the store lists the source's manifests only",
  );
  r.manifests = manifests;
  r.checksumFailures += unreadable;
  r.phase = "fetch";
  planAndFetch(s, r, ctx);
}

/** Plan the latest usable chain and fetch what is not here yet; with every block here, verify and apply. */
function planAndFetch(s: BackupState, r: RestoreState, ctx: Ctx): void {
  const chain = planChain(r.manifests, r.bad, r.point);
  r.chain = chain ?? [];
  const missing = r.chain.filter((m) => !r.blocks.has(m.id)).map((m) => m.id);
  assert(r.bad.size <= r.manifests.length, "backup: each re-plan excludes one more bad backup, at most all");
  assert(
    r.chain.every((m) => !r.bad.has(m.id)),
    "backup: a plan holds no backup known bad",
  );
  if (missing.length > 0) return ctx.send(s.store, { type: "fetch", ids: missing });
  if (!verifyChain(s, r, ctx)) return planAndFetch(s, r, ctx);
  applyChain(s, r, ctx);
}

function onBlocks(s: BackupState, id: string, blocks: (BackupRecord[] | null)[], ctx: Ctx): void {
  const r = s.restore;
  if (r === null || r.phase !== "fetch") return;
  assert(
    r.manifests.some((m) => m.id === id),
    () => `backup: blocks of ${id}, which is not listed`,
  );
  r.blocks.set(id, blocks);
  if (r.chain.every((m) => r.blocks.has(m.id))) planAndFetch(s, r, ctx);
}

/**
 * Check every block of the chain against its manifest's sha256. A backup with a damaged or unreadable block is
 * marked bad (the next plan avoids it). skip-verify trusts the bytes: an unreadable block is silently left out.
 */
function verifyChain(s: BackupState, r: RestoreState, ctx: Ctx): boolean {
  let ok = true;
  for (const m of r.chain) {
    const blocks = r.blocks.get(m.id) as (BackupRecord[] | null)[];
    for (let i = 0; i < m.shas.length; i++) {
      const b = blocks[i];
      if (s.bugs.has("skip-verify")) continue;
      if (b !== null && b !== undefined && blockSha(b) === m.shas[i]) continue;
      r.checksumFailures++;
      ctx.metric("backup.checksum-failures", 1);
      ctx.note(`checksum failure: block ${i} of ${m.id}`, { keys: m.keys[i] });
      r.bad.add(m.id);
      ok = false;
    }
  }
  assert(ok || r.bad.size > 0, "backup: a failed verification marks a backup bad");
  assert(ok || r.checksumFailures > 0, "backup: a failed verification is counted");
  return ok;
}

/** Apply the verified chain (full, then deltas in order), then ask the source for its log up to the point. */
function applyChain(s: BackupState, r: RestoreState, ctx: Ctx): void {
  const kv = new Map<string, string>();
  for (const m of r.chain)
    for (const b of r.blocks.get(m.id) ?? [])
      for (const [k, v] of b ?? []) {
        if (v === null) kv.delete(k);
        else kv.set(k, v);
      }
  const last = r.chain[r.chain.length - 1];
  s.kv = kv;
  r.restoredSeq = last?.seq ?? 0;
  r.restoredT = last?.t ?? 0;
  // What the bad backups held that the chain does not reach: their keys, from their manifests.
  const lost = new Set<string>();
  for (const m of r.manifests)
    if (m.seq > r.restoredSeq && (r.point === null || m.t <= r.point))
      for (const ks of m.keys) for (const k of ks) lost.add(k);
  r.lostKeys = [...lost].sort();
  assert(r.chain.length === 0 || r.chain[0]?.kind === "full", "backup: a restore chain starts at a full");
  r.phase = "log";
  const until = r.point ?? Number.MAX_SAFE_INTEGER;
  ctx.send(r.source, { type: "logReq", afterSeq: r.restoredSeq, untilT: until });
  ctx.setTimer("log-wait", s.options.logTimeoutMicros);
}

/** Replay the source's log entries (if it answered), then join: serve the source's keys from now on. */
function finishRestore(s: BackupState, ctx: Ctx, entries: LogEntry[] | null): void {
  const r = s.restore;
  if (r === null || r.phase !== "log") return;
  ctx.cancelTimer("log-wait");
  // The source answered: its log brings the state to the point (or to now), and nothing is lost.
  if (entries !== null) r.lostKeys = [];
  for (const e of entries ?? []) {
    if (e.seq !== r.restoredSeq + 1) break;
    if (e.value === null) s.kv.delete(e.key);
    else s.kv.set(e.key, e.value);
    r.restoredSeq = e.seq;
    r.restoredT = e.t;
  }
  if (entries !== null) r.restoredT = Math.max(r.restoredT, Math.min(r.point ?? ctx.now(), ctx.now()));
  r.restoredKv = new Map(s.kv);
  r.phase = "done";
  s.role = "restored";
  s.owner.set(r.source, ctx.id);
  ctx.persist("restoredKv", [...s.kv]);
  ctx.persist("joined", r.source);
  ctx.sync();
  ctx.metric("restore.duration", ctx.now() - r.startedAt, r.source);
  if (r.lostKeys.length > 0) ctx.metric("restore.lost-keys", r.lostKeys.length, r.source);
  ctx.note(
    `restored ${r.source} to seq ${r.restoredSeq} (t ${r.restoredT}us); ${r.checksumFailures} checksum failures`,
    {
      lostKeys: r.lostKeys,
      lostFrom: r.restoredT,
    },
  );
  for (const n of ctx.peers) ctx.send(n, { type: "joined", source: r.source });
  assert(s.owner.get(r.source) === ctx.id, "backup: the restore target serves the source's keys");
}
