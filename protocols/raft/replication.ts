import { assert } from "../../sim/core/assert.ts";
import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { becomeFollower, resetElectionTimer } from "./follower.ts";
import { commitTo } from "./bounds.ts";
import { applyCommitted, currentSnapshot } from "./machine.ts";
import { onReadAck, serveReads, startRound } from "./reads.ts";
import type { Entry, RaftMsg } from "./messages.ts";
import { quorum, type RaftState } from "./state.ts";
import { installSnapshotState, recomputeVoters, saveEntries, saveSnapshot, sync } from "./storage.ts";

/**
 * Leader: append an entry to the local log (persisted and synced together at the next flush). Entries are frozen all
 * the way down when created: they travel to every follower by reference and never change, and the disk stores a
 * deeply frozen value by reference instead of copying it as JSON (the largest cost of a 1,000 ops/s run before).
 */
export function appendLocal(s: RaftState, _ctx: NodeContext<RaftMsg>, e: Entry): number {
  assert(s.role === "leader", () => `${s.id}: appends ${e.id} as ${s.role}`);
  assert(e.term === s.term, () => `${s.id}: appends ${e.id} of term ${e.term} in term ${s.term}`);
  freezeEntry(e);
  const index = s.log.append(e);
  if (e.cmd.type === "config") recomputeVoters(s);
  assert(index === s.log.lastIndex && index >= s.leadFrom, "appendLocal: the entry is not the leader's last");
  return index;
}

/** Leader: sync what was appended and send it to every follower that lacks it. */
export function flush(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  assert(s.role === "leader", () => `${s.id}: flush as ${s.role}`);
  s.flushArmed = false;
  if (s.synced < s.log.lastIndex) sync(s, ctx);
  assert(s.synced === s.log.lastIndex, "flush: the leader's log is not all synced");
  const peers = ctx.peers;
  for (let k = 0; k < peers.length; k++) {
    const p = peers[k] as NodeId;
    if ((s.next.get(p) ?? 1) <= s.log.lastIndex) sendAppend(s, ctx, p);
  }
  advanceCommit(s, ctx);
}

export function armFlush(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.o.batchMicros <= 0) return flush(s, ctx);
  if (s.flushArmed) return;
  s.flushArmed = true;
  ctx.setTimer("flush", s.o.batchMicros);
}

/** Send follower `to` the entries it lacks (optimistically advancing nextIndex), or the snapshot. */
export function sendAppend(s: RaftState, ctx: NodeContext<RaftMsg>, to: NodeId): void {
  const next = Math.min(s.log.lastIndex + 1, Math.max(1, s.next.get(to) ?? s.log.lastIndex + 1));
  assert(next >= 1 && next <= s.log.lastIndex + 1, "sendAppend: nextIndex out of the log");
  if (next <= s.log.base) {
    const snapshot = currentSnapshot(s, ctx);
    if (snapshot !== undefined) ctx.send(to, { type: "snapshot", term: s.term, snapshot });
    return;
  }
  const prevIndex = next - 1;
  // Frozen, so a follower that appends all of them can store this very array as a log chunk (storage.ts).
  const entries = s.log.frozenSlice(next, Math.min(s.synced, next + s.o.maxBatch - 1));
  const prevTerm = s.log.term(prevIndex) as number;
  assert(entries.length <= s.o.maxBatch, "sendAppend: more entries than maxBatch");
  assert(entries.length === 0 || prevIndex + entries.length <= s.synced, "sendAppend: sends unsynced entries");
  const m: RaftMsg = { type: "append", term: s.term, prevIndex, prevTerm, entries, commit: s.commit };
  if (s.readSeq > 0) m.read = s.readSeq;
  ctx.send(to, m);
  s.next.set(to, next + entries.length);
}

/** Leader heartbeat: CheckQuorum, membership changes, and an AppendEntries to everyone. */
export function onHeartbeat(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.role !== "leader") return;
  const now = ctx.now();
  assert(s.synced <= s.log.lastIndex, "heartbeat: synced past the log's end");
  if (s.o.checkQuorum && now - s.leaderSince >= s.o.electionMaxMicros) {
    let live = s.voters.includes(s.id) ? 1 : 0;
    for (const v of s.voters)
      if (v !== s.id && now - (s.lastAck.get(v) ?? Number.NEGATIVE_INFINITY) < s.o.electionMaxMicros) live++;
    if (live < quorum(s)) {
      ctx.note(`leader ${s.id} lost its quorum (heard from ${live} of ${s.voters.length} voters): stepping down`);
      return becomeFollower(s, ctx, s.term, null);
    }
  }
  proposeReconfiguration(s, ctx, now);
  // Heartbeats carry only synced entries; new client entries go out with the next flush (batching). With lease
  // reads every heartbeat is a confirmation round (reads.ts).
  const peers = ctx.peers;
  if (s.o.reads === "lease") startRound(s, ctx, (p) => sendAppend(s, ctx, p));
  else for (let k = 0; k < peers.length; k++) sendAppend(s, ctx, peers[k] as NodeId);
  advanceCommit(s, ctx);
  ctx.setTimer("heartbeat", s.o.heartbeatMicros);
  assert(s.role === "leader", "heartbeat: re-armed by a node that is no longer leader");
}

/**
 * Propose the next membership change: only once the previous change has committed, and only once this leader has
 * committed an entry of its own term. Without the second rule a new leader could append a change on top of a config
 * whose successor, proposed by an earlier leader, is still pending on some nodes: the two new configs need not share
 * a majority (Ongaro, raft-dev 2015; the dissertation's fix).
 */
function proposeReconfiguration(s: RaftState, ctx: NodeContext<RaftMsg>, now: number): void {
  if (s.configIndex > s.commit || s.log.term(s.commit) !== s.term) return;
  // The steps after the one the config in force carried out (its entry or the snapshot records it); a step that would
  // change nothing is passed over.
  let k = s.configStep + 1;
  let voters: NodeId[] = [];
  for (; ; k++) {
    const step = s.o.reconfigure[k];
    if (step === undefined || now < step.atMicros) return;
    voters = [...s.voters];
    if (step.add !== undefined && !voters.includes(step.add)) voters.push(step.add);
    if (step.remove !== undefined) voters = voters.filter((v) => v !== step.remove);
    voters.sort();
    if (voters.join(",") !== [...s.voters].sort().join(",")) break;
  }
  assert(k > s.configStep, "reconfiguration: a step carried out again");
  const index = s.log.lastIndex + 1;
  appendLocal(s, ctx, { term: s.term, id: `cfg${s.term}.${index}`, cmd: { type: "config", voters, step: k } });
  assert(s.configIndex === index, "reconfiguration: the new config is not the one in force");
  armFlush(s, ctx);
  ctx.note(`membership change proposed at index ${index}: voters ${voters.join(", ")}`, { voters });
}

/**
 * Commit rule: the highest index stored on a quorum of voters, and only if that entry is of the leader's own term
 * (Raft paper 5.4.2). The commit-old-term bug drops the term check (Figure 8).
 */
export function advanceCommit(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.role !== "leader") return;
  const n = quorumMatch(s);
  assert(
    s.bug.planted || n <= s.log.lastIndex,
    () => `${s.id}: a quorum holds ${n}, past the leader's log end ${s.log.lastIndex}`,
  );
  if (n > s.commit && (s.bug.commitOldTerm || s.log.term(n) === s.term)) {
    commitTo(s, n);
    applyCommitted(s, ctx);
    serve(s, ctx);
    if (!s.voters.includes(s.id) && s.configIndex <= s.commit) {
      ctx.note(`leader ${s.id} is no longer a voter: stepping down`);
      becomeFollower(s, ctx, s.term, null);
    }
  }
}

/** Scratch for quorumMatch (it runs on every acknowledgement; a fresh array and a sort each time were a tenth of the
 * bytes a run allocated). */
const held: number[] = [];

/**
 * The highest index stored on a quorum of voters: the quorum-th largest of what each holds (the leader: what it
 * synced).
 */
function quorumMatch(s: RaftState): number {
  const voters = s.voters;
  for (let i = 0; i < voters.length; i++) {
    const v = voters[i] as NodeId;
    const x = v === s.id ? s.synced : (s.match.get(v) ?? 0);
    let j = i;
    for (; j > 0 && (held[j - 1] as number) < x; j--) held[j] = held[j - 1] as number;
    held[j] = x;
  }
  assert(voters.length === 0 || quorum(s) <= voters.length, "quorumMatch: quorum larger than the voters");
  return voters.length === 0 ? 0 : (held[quorum(s) - 1] as number);
}

/** Leader: answer the reads that can be answered (reads.ts), if any wait. */
function serve(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.reads.length > 0) serveReads(s, ctx, (p) => sendAppend(s, ctx, p));
}

/** Echo the read round of the AppendEntries answered (reads.ts), if it carried one. */
function respond(ctx: NodeContext<RaftMsg>, to: NodeId, m: Extract<RaftMsg, { type: "append-resp" }>, read?: number) {
  if (read !== undefined) m.read = read;
  ctx.send(to, m);
}

function rejectAppend(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  to: NodeId,
  hintIndex: number,
  hintTerm: number,
  read?: number,
): void {
  respond(ctx, to, { type: "append-resp", term: s.term, success: false, match: 0, hintIndex, hintTerm }, read);
}

export function onAppend(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "append" }>,
): void {
  assert(m.prevIndex >= 0 && m.commit >= 0, () => `${s.id}: append from ${from} at ${m.prevIndex}, commit ${m.commit}`);
  if (m.term < s.term) return rejectAppend(s, ctx, from, 0, 0);
  if (m.term > s.term || s.role !== "follower") becomeFollower(s, ctx, m.term, from);
  // no-step-down bug: a leader ignores the other leader
  if (s.role === "leader") return rejectAppend(s, ctx, from, 0, 0);
  const read = m.read;
  s.leader = from;
  s.lastLeaderContact = ctx.now();
  resetElectionTimer(s, ctx);
  if (m.prevIndex > s.log.lastIndex) return rejectAppend(s, ctx, from, s.log.lastIndex + 1, 0, read);
  const prevTerm = s.log.term(m.prevIndex);
  if (!s.bug.noPrevLogCheck && prevTerm !== undefined && prevTerm !== m.prevTerm) {
    return rejectAppend(s, ctx, from, s.log.firstIndexOfTerm(m.prevIndex), prevTerm, read);
  }
  appendEntries(s, ctx, m);
  sync(s, ctx);
  const lastNew = m.prevIndex + m.entries.length;
  assert(s.log.lastIndex >= lastNew, () => `${s.id}: accepted entries up to ${lastNew} but holds ${s.log.lastIndex}`);
  if (m.commit > s.commit) {
    commitTo(s, Math.max(s.commit, Math.min(m.commit, lastNew)));
    applyCommitted(s, ctx);
  }
  const resp: RaftMsg = { type: "append-resp", term: s.term, success: true, match: lastNew, hintIndex: 0, hintTerm: 0 };
  respond(ctx, from, resp, read);
}

/** Append what the follower lacks of m.entries, truncating a conflicting suffix first, and persist the change. */
function appendEntries(s: RaftState, ctx: NodeContext<RaftMsg>, m: Extract<RaftMsg, { type: "append" }>): void {
  const log = s.log;
  const entries = m.entries;
  let firstChanged = 0; // 0: nothing changed
  let configChanged = false;
  for (let k = 0; k < entries.length; k++) {
    const index = m.prevIndex + 1 + k;
    if (index <= log.base) continue;
    const e = entries[k] as Entry;
    // The very entry held already (a resend overlaps what arrived before): same term, nothing to do, and no need to
    // read the entry's term from memory.
    if (log.entry(index) === e) continue;
    const have = log.term(index);
    if (have === e.term) continue;
    if (have !== undefined) {
      assert(
        s.bug.planted || index > s.commit,
        () => `${s.id}: truncates committed entry ${index} (commit ${s.commit})`,
      );
      if (index <= s.configIndex) configChanged = true;
      log.truncateFrom(index);
    }
    log.append(e);
    if (e.cmd.type === "config") configChanged = true;
    if (firstChanged === 0) firstChanged = index;
  }
  if (firstChanged === 0) return;
  assert(firstChanged > log.base && firstChanged <= log.lastIndex, "appendEntries: changed index outside the log");
  const whole =
    firstChanged === m.prevIndex + 1 && log.lastIndex === m.prevIndex + entries.length && Object.isFrozen(entries);
  saveEntries(s, ctx, firstChanged, whole ? entries : undefined);
  // The configuration in force is the latest config entry: rescan only if one was added or truncated away.
  if (configChanged) recomputeVoters(s);
  assert(s.persisted === log.lastIndex, "appendEntries: the change is not written");
}

export function onAppendResponse(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "append-resp" }>,
): void {
  if (m.term > s.term) return becomeFollower(s, ctx, m.term, null);
  if (s.role !== "leader" || m.term !== s.term) return;
  assert(from !== s.id && m.match >= 0, "append-resp: from itself, or a negative match");
  s.lastAck.set(from, ctx.now());
  if (m.read !== undefined) {
    onReadAck(s, from, m.read);
    serve(s, ctx);
  }
  if (m.success) {
    if (m.match > (s.match.get(from) ?? 0)) s.match.set(from, m.match);
    if (m.match + 1 > (s.next.get(from) ?? 0)) s.next.set(from, m.match + 1);
    advanceCommit(s, ctx);
    if ((s.next.get(from) ?? 1) <= s.synced) sendAppend(s, ctx, from);
    return;
  }
  // Fast backtracking: skip the follower's whole conflicting term, or to its end.
  let next = m.hintIndex;
  if (m.hintTerm > 0) {
    for (let i = s.log.lastIndex; i > s.log.base; i--) {
      const t = s.log.term(i) as number;
      if (t === m.hintTerm) {
        next = i + 1;
        break;
      }
      if (t < m.hintTerm) break;
    }
  }
  s.next.set(from, Math.max((s.match.get(from) ?? 0) + 1, Math.min(next, s.log.lastIndex + 1)));
  assert((s.next.get(from) as number) >= 1, "append-resp: nextIndex below 1");
  sendAppend(s, ctx, from);
}

export function onSnapshot(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "snapshot" }>,
): void {
  if (m.term < s.term)
    return ctx.send(from, { type: "append-resp", term: s.term, success: false, match: 0, hintIndex: 0, hintTerm: 0 });
  if (m.term > s.term || s.role !== "follower") becomeFollower(s, ctx, m.term, from);
  if (s.role === "leader") return;
  s.leader = from;
  s.lastLeaderContact = ctx.now();
  resetElectionTimer(s, ctx);
  const snap = m.snapshot;
  if (snap.lastIndex > s.commit) {
    const oldLast = s.log.lastIndex;
    installSnapshotState(s, snap);
    assert(s.log.base === snap.lastIndex && s.commit === snap.lastIndex, "install snapshot: not at its index");
    saveSnapshot(s, ctx, snap, Math.max(oldLast, snap.lastIndex));
    saveEntries(s, ctx, snap.lastIndex + 1);
    recomputeVoters(s);
    sync(s, ctx);
    ctx.note(`installed snapshot up to index ${snap.lastIndex} from ${from}`);
  }
  assert(s.commit >= snap.lastIndex, "install snapshot: commit behind the snapshot");
  ctx.send(from, { type: "snapshot-resp", term: s.term, match: Math.max(s.commit, snap.lastIndex) });
}

export function onSnapshotResponse(
  s: RaftState,
  ctx: NodeContext<RaftMsg>,
  from: NodeId,
  m: Extract<RaftMsg, { type: "snapshot-resp" }>,
): void {
  if (m.term > s.term) return becomeFollower(s, ctx, m.term, null);
  if (s.role !== "leader" || m.term !== s.term) return;
  assert(from !== s.id && m.match >= 0, "snapshot-resp: from itself, or a negative match");
  s.lastAck.set(from, ctx.now());
  if (m.match > (s.match.get(from) ?? 0)) s.match.set(from, m.match);
  s.next.set(from, Math.max(s.next.get(from) ?? 0, m.match + 1));
  assert((s.next.get(from) as number) > m.match, "snapshot-resp: nextIndex at or below the follower's match");
  advanceCommit(s, ctx);
  if ((s.next.get(from) ?? 1) <= s.synced) sendAppend(s, ctx, from);
}

function freezeEntry(e: Entry): void {
  const cmd = e.cmd;
  if (cmd.type === "kv") Object.freeze(cmd.op);
  else if (cmd.type === "config") Object.freeze(cmd.voters);
  Object.freeze(cmd);
  Object.freeze(e);
}
