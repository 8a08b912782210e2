import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import type { Entry, RaftMsg, Snapshot } from "./messages.ts";
import type { RaftState } from "./state.ts";

/*
 * Disk layout: "term", "vote", "snapshot", and the log in chunks. "log:<start>" holds a frozen array of the entries
 * from index <start> on that were written together: what one AppendEntries added on a follower, or what a leader
 * appended between two syncs. A chunk overrides whatever earlier chunks held from its start on, so the log on disk is
 * the chunks read in order of their start, each one truncating the log before its start and appending its entries.
 * A truncation is a new chunk at the truncation point (empty if nothing follows it) with every later chunk deleted;
 * a snapshot deletes the chunks it covers whole. One write per batch of entries instead of one per entry plus a
 * "last" key, and one delete per chunk instead of one per entry at compaction (at 1,000 client ops/s the per-entry
 * keys were the largest cost of a run). Entries are frozen and chunks are frozen arrays of them, so the disk keeps
 * them by reference; a follower that appends a whole AppendEntries stores the leader's array itself.
 *
 * A leader persists what it appended when it next syncs (entries not yet persisted are no more durable than
 * persisted but unsynced ones). Everything a node promises (a vote, an acknowledged entry) is synced before the
 * message that carries the promise is sent.
 */

export function saveTermVote(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  ctx.persist("term", s.term);
  if (!s.bug.forgetVote) ctx.persist("vote", s.votedFor);
}

/**
 * "log:<start>", made once per start in a small cache: the leader and then each follower write (and at compaction
 * delete) the same chunk keys, and a string built anew is hashed anew by the disk's map. The cache is a pure
 * function's memo (same start, same string), shared by all nodes.
 */
const KEY_CACHE = 1024;
const keyStarts = new Float64Array(KEY_CACHE).fill(-1);
const keyNames: string[] = new Array<string>(KEY_CACHE).fill("");
function chunkKey(start: number): string {
  assert(Number.isInteger(start) && start >= 0, () => `log chunk key of start ${start}`);
  const slot = start & (KEY_CACHE - 1);
  if (keyStarts[slot] === start) return keyNames[slot] as string;
  const key = `log:${start}`;
  keyStarts[slot] = start;
  keyNames[slot] = key;
  assert(keyNames[slot] === key && keyStarts[slot] === start, "log chunk key cache holds what was just stored");
  return key;
}

/**
 * The log in memory changed from index `from` on (entries appended, or the log truncated before `from`): bring the
 * disk in line. `written`, if given, is a frozen array holding exactly the entries from..lastIndex (a follower's
 * AppendEntries), stored as the chunk instead of a copy.
 */
export function saveEntries(s: RaftState, ctx: NodeContext<RaftMsg>, from: number, written?: readonly Entry[]): void {
  const log = s.log;
  const start = Math.max(log.base + 1, Math.min(from, s.persisted + 1));
  const chunks = s.chunks;
  assert(from >= 1 && start > log.base, () => `${s.id}: saves entries from ${from} into the snapshot`);
  while (chunks.length > 0 && (chunks[chunks.length - 1] as number) >= start) {
    const old = chunks.pop() as number;
    if (old !== start) ctx.persist(chunkKey(old), undefined); // the chunk at `start` is overwritten below
  }
  // Nothing to write when only new entries were expected and there are none.
  if (start > log.lastIndex && start > s.persisted) {
    s.persisted = log.lastIndex;
    return;
  }
  const whole = written !== undefined && start === from && written.length === log.lastIndex - start + 1;
  ctx.persist(chunkKey(start), whole ? written : log.frozenSlice(start, log.lastIndex));
  assert(chunks.length === 0 || (chunks[chunks.length - 1] as number) < start, "saveEntries: chunks out of order");
  chunks.push(start);
  s.persisted = log.lastIndex;
}

/**
 * Persist a snapshot and delete the chunks it covers whole (up to `dropUpTo`). A chunk ends where the next one
 * starts; the last one where the log on disk ends.
 */
export function saveSnapshot(s: RaftState, ctx: NodeContext<RaftMsg>, snap: Snapshot, dropUpTo: number): void {
  assert(dropUpTo >= snap.lastIndex, "saveSnapshot: keeps chunks the snapshot covers");
  assert(snap.lastIndex >= s.log.base, () => `${s.id}: saves snapshot ${snap.lastIndex} behind ${s.log.base}`);
  ctx.persist("snapshot", snap);
  const chunks = s.chunks;
  let covered = 0;
  while (covered < chunks.length) {
    const end = covered + 1 < chunks.length ? (chunks[covered + 1] as number) - 1 : s.persisted;
    if (end > dropUpTo) break;
    ctx.persist(chunkKey(chunks[covered] as number), undefined);
    covered++;
  }
  chunks.splice(0, covered);
  if (chunks.length === 0) s.persisted = Math.max(s.persisted, snap.lastIndex);
}

/** fsync, after persisting what a leader appended since it last did. */
export function sync(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.persisted < s.log.lastIndex) saveEntries(s, ctx, s.persisted + 1);
  ctx.sync();
  s.synced = s.log.lastIndex;
  assert(s.persisted === s.synced, () => `${s.id}: synced ${s.synced} but persisted ${s.persisted}`);
}

/** Rebuild persistent state from disk at (re)start. A damaged value marks the node damaged. */
export function load(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  const damaged = (what: string) => {
    if (!s.damaged) ctx.note(`disk damaged (${what} failed its checksum): this node stops voting and campaigning`);
    s.damaged = true;
  };
  const term = ctx.read("term");
  if (term === CORRUPT) {
    damaged("term");
    s.termLost = true;
    ctx.note(
      "term lost: this node ignores every message until its disk is wiped (it cannot tell a stale leader " +
        "from a current one)",
    );
  } else if (typeof term === "number") s.term = term;
  const vote = ctx.read("vote");
  if (vote === CORRUPT) damaged("vote");
  else if (typeof vote === "string") s.votedFor = vote;
  const snap = ctx.read("snapshot");
  if (snap === CORRUPT) damaged("snapshot");
  else if (snap !== undefined) installSnapshotState(s, snap as Snapshot);
  assert(s.commit === s.log.base && s.applied === s.log.base, "load: commit or apply ahead of the snapshot");
  loadLog(s, ctx, damaged);
  s.synced = s.log.lastIndex;
  s.persisted = s.log.lastIndex;
  recomputeVoters(s);
  assert(s.log.lastIndex >= s.commit, "load: the log ends before the snapshot");
}

/** Read the chunks in order of their start, each truncating the log before its start and appending its entries. */
function loadLog(s: RaftState, ctx: NodeContext<RaftMsg>, damaged: (what: string) => void): void {
  const log = s.log;
  const starts = ctx.keys("log:").map((k) => Number(k.slice(4)));
  starts.sort((a, b) => a - b);
  s.chunks = starts;
  for (const start of starts) {
    const chunk = ctx.read(chunkKey(start));
    // A chunk after a gap means an earlier one is missing (or the snapshot was damaged): stop there too.
    if (chunk === CORRUPT || !Array.isArray(chunk) || start > log.lastIndex + 1) {
      damaged(chunkKey(start));
      return;
    }
    assert(start >= 1, () => `${s.id}: a log chunk starts at ${start}`);
    log.truncateFrom(Math.max(start, log.base + 1));
    for (let k = Math.max(0, log.base + 1 - start); k < chunk.length; k++) log.append(chunk[k] as Entry);
  }
}

/** Replace the state machine with a snapshot's. */
export function installSnapshotState(s: RaftState, snap: Snapshot): void {
  assert(snap.lastIndex > s.commit, () => `${s.id}: installs snapshot ${snap.lastIndex} at commit ${s.commit}`);
  if (s.log.term(snap.lastIndex) === snap.lastTerm) s.log.compact(snap.lastIndex, snap.lastTerm);
  else s.log.resetTo(snap.lastIndex, snap.lastTerm);
  s.kv = new Map(snap.kv);
  s.sessions = new Map(snap.sessions.map(([c, x]) => [c, { ...x }]));
  s.snapshotVoters = snap.voters;
  s.snapshotConfigStep = snap.configStep ?? -1;
  s.commit = Math.max(s.commit, snap.lastIndex);
  s.applied = Math.max(s.applied, snap.lastIndex);
  assert(s.commit === snap.lastIndex && s.applied === snap.lastIndex, "install snapshot: commit or apply elsewhere");
}

/** The configuration in force: the latest config entry in the log, else the snapshot's. */
export function recomputeVoters(s: RaftState): void {
  for (let i = s.log.lastIndex; i > s.log.base; i--) {
    const e = s.log.entry(i) as Entry;
    if (e.cmd.type === "config") {
      s.voters = e.cmd.voters;
      s.configIndex = i;
      s.configStep = e.cmd.step;
      return;
    }
  }
  s.voters = s.snapshotVoters;
  s.configIndex = s.log.base;
  s.configStep = s.snapshotConfigStep;
  assert(s.configIndex === s.log.base, "recomputeVoters: the snapshot's config is not at the snapshot");
}
