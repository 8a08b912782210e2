import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import { kvNext } from "../kv/kv.ts";
import type { LogEntry, ReplicationMsg } from "./messages.ts";
import type { ReplicationOptions } from "./options.ts";

/** What the primary tracks about one backup (etcd's Progress, reduced): what it holds, what to send next. */
export interface Progress {
  /** Highest seq known to match the primary's log. */
  match: number;
  /** Next seq to send. */
  next: number;
  /** Primary's clock at the send of the latest message this backup answered in this epoch (the lease). */
  ackedSentAt: number;
  /** Primary's clock when this backup last answered (the sync set: backups heard within the failure timeout). */
  heardAt: number;
  /** match at the previous heartbeat (a stalled backup gets its unacknowledged entries again). */
  matchAtHeartbeat: number;
}

/** A write this node acknowledged as primary (read by the checks and the RPO/RTO observer, never by the protocol). */
export interface Acked {
  requestId: number;
  seq: number;
  epoch: number;
  mode: ReplicationOptions["mode"];
}

export interface ReplicationState {
  o: ReplicationOptions;
  bugs: ReadonlySet<string>;
  id: string;
  role: "primary" | "backup" | "candidate";
  /** Highest epoch known (durable). */
  epoch: number;
  /** Highest epoch this node voted in (durable): one vote per epoch. */
  votedEpoch: number;
  primary: string | null;
  /** Snapshot: the state after seq `base` (of epoch `baseEpoch`), and the requestIds it includes. */
  base: number;
  baseEpoch: number;
  baseKv: Map<string, string>;
  baseIds: Set<number>;
  /** Entries base+1 .. last. */
  log: LogEntry[];
  /** requestIds in the snapshot or the log. */
  seen: Set<number>;
  /** State after `applied` entries; entries up to `commit` are applied. */
  kv: Map<string, string>;
  applied: number;
  commit: number;
  /** Bumped when the log loses entries (truncation, full copy), so checks re-read it. */
  logVersion: number;
  /** Backup: local time the primary was last heard; time its copy was known complete (primary's clock). */
  heardAt: number;
  freshAt: number;
  /** Candidate: votes granted in `epoch`; the send time of the request (the new lease starts there). */
  votes: Set<string>;
  standAt: number;
  /** Pre-vote round in progress: its epoch (0: none) and who would vote. */
  preEpoch: number;
  preVotes: Set<string>;
  /** Whom this node voted for in votedEpoch (volatile): that candidate may ask again at once. */
  votedFor: string | null;
  /** Primary: per-backup progress, lease, waiting clients, semi-sync state. */
  progress: Map<string, Progress>;
  leaseUntil: number;
  quorumAt: number;
  waitingWrites: Map<number, number>;
  waitingReads: { requestId: number; key: string; index: number }[];
  degraded: boolean;
  shipArmed: boolean;
  acked: Acked[];
  damaged: boolean;
}

export type Ctx = NodeContext<ReplicationMsg>;

export function lastSeq(s: ReplicationState): number {
  return s.base + s.log.length;
}

export function lastEpoch(s: ReplicationState): number {
  return s.log.length > 0 ? (s.log[s.log.length - 1] as LogEntry).epoch : s.baseEpoch;
}

/** The epoch of the entry at `seq` (base for the snapshot point), or -1 when this node does not hold it. */
export function epochAt(s: ReplicationState, seq: number): number {
  if (seq === s.base) return s.baseEpoch;
  if (seq < s.base || seq > lastSeq(s)) return -1;
  return (s.log[seq - s.base - 1] as LogEntry).epoch;
}

export function entryAt(s: ReplicationState, seq: number): LogEntry {
  assert(seq > s.base && seq <= lastSeq(s), () => `entry ${seq} is outside (${s.base}, ${lastSeq(s)}]`);
  return s.log[seq - s.base - 1] as LogEntry;
}

export function saveMeta(s: ReplicationState, ctx: Ctx): void {
  ctx.persist("meta", { epoch: s.epoch, votedEpoch: s.votedEpoch });
}

function saveSnapshot(s: ReplicationState, ctx: Ctx): void {
  ctx.persist("snap", { seq: s.base, epoch: s.baseEpoch, kv: [...s.baseKv], ids: [...s.baseIds] });
}

/** Volatile state from durable storage: meta, snapshot, then the entries after it. */
export function loadState(s: ReplicationState, ctx: Ctx): void {
  const meta = ctx.read("meta");
  const snap = ctx.read("snap");
  const last = ctx.read("last");
  if (meta === CORRUPT || snap === CORRUPT || last === CORRUPT) {
    s.damaged = true;
    return;
  }
  if (meta !== undefined) {
    const m = meta as { epoch: number; votedEpoch: number };
    s.epoch = m.epoch;
    s.votedEpoch = m.votedEpoch;
  }
  if (snap !== undefined) {
    const p = snap as { seq: number; epoch: number; kv: [string, string][]; ids: number[] };
    s.base = p.seq;
    s.baseEpoch = p.epoch;
    s.baseKv = new Map(p.kv);
    s.baseIds = new Set(p.ids);
  }
  const n = typeof last === "number" ? last : s.base;
  for (let seq = s.base + 1; seq <= n; seq++) {
    const e = ctx.read(`e:${seq}`);
    if (e === CORRUPT || e === undefined) {
      s.damaged = true;
      break;
    }
    s.log.push(e as LogEntry);
  }
  rebuild(s);
}

/** Recompute seen/kv from the snapshot and the log (after load, truncation or a full copy); applied = base. */
export function rebuild(s: ReplicationState): void {
  s.seen = new Set(s.baseIds);
  for (const e of s.log) s.seen.add(e.requestId);
  s.kv = new Map(s.baseKv);
  s.applied = s.base;
  s.commit = Math.max(s.base, Math.min(s.commit, s.base));
  s.logVersion++;
  assert(s.applied <= lastSeq(s), "applied is past the log");
}

/** Apply entries up to `seq`; returns each applied entry with the kv value its key held before it. */
export function applyUpTo(s: ReplicationState, seq: number): { e: LogEntry; before: string | null }[] {
  assert(seq <= lastSeq(s), () => `apply to ${seq} past the log end ${lastSeq(s)}`);
  const out: { e: LogEntry; before: string | null }[] = [];
  while (s.applied < seq) {
    const e = entryAt(s, s.applied + 1);
    const before = s.kv.get(e.op.key) ?? null;
    const next = kvNext(before, e.op);
    if (next === null) s.kv.delete(e.op.key);
    else s.kv.set(e.op.key, next);
    s.applied++;
    out.push({ e, before });
  }
  if (seq > s.commit) s.commit = seq;
  return out;
}

/** Write entries durably at the end of the log (the caller syncs). */
export function appendEntries(s: ReplicationState, ctx: Ctx, entries: LogEntry[]): void {
  for (const e of entries) {
    assert(e.seq === lastSeq(s) + 1, () => `entry ${e.seq} does not follow the log end ${lastSeq(s)}`);
    s.log.push(e);
    s.seen.add(e.requestId);
    ctx.persist(`e:${e.seq}`, e);
  }
  ctx.persist("last", lastSeq(s));
}

/** Drop entries from `seq` on (a suffix a deposed primary wrote and the new primary never had). */
export function truncateFrom(s: ReplicationState, ctx: Ctx, seq: number): void {
  assert(seq > s.commit || s.role !== "primary", "a primary never truncates what it committed");
  assert(seq > s.base, () => `truncation at ${seq} reaches into the snapshot at ${s.base}`);
  const dropped = lastSeq(s) - seq + 1;
  for (let k = seq; k <= lastSeq(s); k++) ctx.persist(`e:${k}`, undefined);
  s.log.length = seq - 1 - s.base;
  ctx.persist("last", lastSeq(s));
  ctx.note(`truncated ${dropped} entries from seq ${seq}`, { seq, dropped });
  rebuild(s);
}

/** Install a full copy: the snapshot replaces the whole log. */
export function installSnapshot(
  s: ReplicationState,
  ctx: Ctx,
  snap: { seq: number; snapEpoch: number; kv: [string, string][]; ids: number[] },
): void {
  assert(snap.seq >= 0, "a snapshot has a seq");
  for (let k = s.base + 1; k <= lastSeq(s); k++) ctx.persist(`e:${k}`, undefined);
  s.base = snap.seq;
  s.baseEpoch = snap.snapEpoch;
  s.baseKv = new Map(snap.kv);
  s.baseIds = new Set(snap.ids);
  s.log = [];
  s.commit = snap.seq;
  saveSnapshot(s, ctx);
  ctx.persist("last", s.base);
  rebuild(s);
  s.applied = s.base;
  assert(lastSeq(s) === snap.seq, "after a full copy the log ends at the snapshot");
}

/** Fold applied entries beyond `logRetain` into the snapshot. */
export function compact(s: ReplicationState, ctx: Ctx): void {
  const upTo = Math.min(s.applied, lastSeq(s) - s.o.logRetain);
  if (upTo <= s.base + Math.max(16, s.o.logRetain >> 2)) return;
  for (let seq = s.base + 1; seq <= upTo; seq++) {
    const e = entryAt(s, seq);
    const next = kvNext(s.baseKv.get(e.op.key) ?? null, e.op);
    if (next === null) s.baseKv.delete(e.op.key);
    else s.baseKv.set(e.op.key, next);
    s.baseIds.add(e.requestId);
    ctx.persist(`e:${seq}`, undefined);
  }
  s.baseEpoch = entryAt(s, upTo).epoch;
  s.log = s.log.slice(upTo - s.base);
  s.base = upTo;
  saveSnapshot(s, ctx);
  assert(s.base <= s.applied, "the snapshot holds only applied entries");
}
