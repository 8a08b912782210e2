import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import type { Entry, RaftMsg, Snapshot } from "./messages.ts";
import type { RaftState } from "./state.ts";

/*
 * Disk layout: "term", "vote", "snapshot", "last" (last log index), "log:<i>" one key per entry, so appending an
 * entry writes one small value. Everything a node promises (a vote, an acknowledged entry) is synced before the
 * message that carries the promise is sent.
 */

export function saveTermVote(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  ctx.persist("term", s.term);
  if (!s.bug.forgetVote) ctx.persist("vote", s.votedFor);
}

/** Persist entries from..lastIndex (after an append or a truncation). */
export function saveEntries(s: RaftState, ctx: NodeContext<RaftMsg>, from: number, oldLast: number): void {
  for (let i = from; i <= s.log.lastIndex; i++) ctx.persist(`log:${i}`, s.log.entry(i));
  for (let i = Math.max(from, s.log.lastIndex + 1); i <= oldLast; i++) ctx.persist(`log:${i}`, undefined);
  ctx.persist("last", s.log.lastIndex);
}

export function saveSnapshot(s: RaftState, ctx: NodeContext<RaftMsg>, snap: Snapshot, dropUpTo: number): void {
  ctx.persist("snapshot", snap);
  for (const key of ctx.keys("log:")) if (Number(key.slice(4)) <= dropUpTo) ctx.persist(key, undefined);
}

export function sync(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  ctx.sync();
  s.synced = s.log.lastIndex;
}

/** Rebuild persistent state from disk at (re)start. A damaged value marks the node damaged. */
export function load(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  const damaged = (what: string) => {
    if (!s.damaged) ctx.note(`disk damaged (${what} failed its checksum): this node stops voting and campaigning`);
    s.damaged = true;
  };
  const term = ctx.read("term");
  if (term === CORRUPT) damaged("term");
  else if (typeof term === "number") s.term = term;
  const vote = ctx.read("vote");
  if (vote === CORRUPT) damaged("vote");
  else if (typeof vote === "string") s.votedFor = vote;
  const snap = ctx.read("snapshot");
  if (snap === CORRUPT) damaged("snapshot");
  else if (snap !== undefined) installSnapshotState(s, snap as Snapshot);
  const last = ctx.read("last");
  if (last === CORRUPT) damaged("last");
  const end = typeof last === "number" ? last : 0;
  for (let i = s.log.base + 1; i <= end; i++) {
    const e = ctx.read(`log:${i}`);
    if (e === CORRUPT || e === undefined) {
      damaged(`log:${i}`);
      break;
    }
    s.log.append(e as Entry);
  }
  s.synced = s.log.lastIndex;
  recomputeVoters(s);
}

/** Replace the state machine with a snapshot's. */
export function installSnapshotState(s: RaftState, snap: Snapshot): void {
  if (s.log.term(snap.lastIndex) === snap.lastTerm) s.log.compact(snap.lastIndex, snap.lastTerm);
  else {
    s.log.truncateFrom(s.log.base + 1);
    s.log.base = snap.lastIndex;
    s.log.baseTerm = snap.lastTerm;
  }
  s.kv = new Map(snap.kv);
  s.sessions = new Map(snap.sessions.map(([c, x]) => [c, { ...x }]));
  s.snapshotVoters = [...snap.voters];
  s.commit = Math.max(s.commit, snap.lastIndex);
  s.applied = Math.max(s.applied, snap.lastIndex);
}

/** The configuration in force: the latest config entry in the log, else the snapshot's. */
export function recomputeVoters(s: RaftState): void {
  for (let i = s.log.lastIndex; i > s.log.base; i--) {
    const e = s.log.entry(i) as Entry;
    if (e.cmd.type === "config") {
      s.voters = e.cmd.voters;
      s.configIndex = i;
      return;
    }
  }
  s.voters = s.snapshotVoters;
  s.configIndex = s.log.base;
}
