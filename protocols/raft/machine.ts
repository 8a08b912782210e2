import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import { applySessionCommand } from "../kv/kv.ts";
import type { Entry, RaftMsg, Snapshot } from "./messages.ts";
import type { RaftState } from "./state.ts";
import { saveSnapshot, sync } from "./storage.ts";

/**
 * Voters in force at index i and the reconfigure step they carried out (for snapshots): the latest config entry at or
 * before i.
 */
function configAt(s: RaftState, i: number): { voters: readonly string[]; step: number } {
  // the config in force is the latest one in the log: no search
  if (s.configIndex <= i) return { voters: s.voters, step: s.configStep };
  for (let j = i; j > s.log.base; j--) {
    const e = s.log.entry(j) as Entry;
    if (e.cmd.type === "config") return e.cmd;
  }
  return { voters: s.snapshotVoters, step: s.snapshotConfigStep };
}

/**
 * Apply committed entries to the key-value state machine. Each client's latest request and its result are kept in a
 * session, so a retried request (same requestId) is answered from the session and never applied twice.
 * The leader answers the client waiting for each entry it applies.
 */
export function applyCommitted(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  assert(s.applied >= s.log.base, () => `${s.id}: lastApplied ${s.applied} behind the snapshot ${s.log.base}`);
  while (s.applied < s.commit) {
    const i = s.applied + 1;
    const e = s.log.entry(i);
    if (e === undefined) break; // covered by a snapshot we do not hold yet
    s.applied = i;
    if (e.cmd.type !== "kv") continue;
    const { requestId, clientId, op } = e.cmd;
    const result = applySessionCommand(s.kv, s.sessions, requestId, clientId, op);
    // Entries from leadFrom on were appended by this leader, each request once: answer the client waiting for it.
    if (s.role === "leader" && i >= s.leadFrom && s.pendingRequests.delete(requestId)) {
      ctx.reply(requestId, { type: "ok", value: result });
    }
  }
  assert(s.applied <= s.commit, () => `${s.id}: lastApplied ${s.applied} past the commit index ${s.commit}`);
  maybeSnapshot(s, ctx);
}

function maybeSnapshot(s: RaftState, ctx: NodeContext<RaftMsg>): void {
  if (s.o.snapshotEvery <= 0 || s.applied - s.log.base < s.o.snapshotEvery) return;
  takeSnapshot(s, ctx);
}

/** Snapshot the state machine at lastApplied, persist it and compact the log up to it. */
function takeSnapshot(s: RaftState, ctx: NodeContext<RaftMsg>): Snapshot {
  const lastIndex = s.applied;
  const lastTerm = s.log.term(lastIndex) as number;
  assert(lastIndex >= s.log.base && lastIndex <= s.commit, "snapshot: behind the last one, or not committed");
  assert(lastTerm !== undefined, () => `${s.id}: snapshot at ${lastIndex}, an entry it does not hold`);
  const byKey = (a: readonly [string, unknown], b: readonly [string, unknown]) => (a[0] < b[0] ? -1 : 1);
  const config = configAt(s, lastIndex);
  const snap: Snapshot = Object.freeze({
    lastIndex,
    lastTerm,
    kv: Object.freeze([...s.kv].sort(byKey).map((pair) => Object.freeze(pair))),
    sessions: Object.freeze(
      [...s.sessions].sort(byKey).map(([c, x]) => Object.freeze([c, Object.freeze({ ...x })] as const)),
    ),
    voters: Object.freeze([...config.voters]),
    // Only once a reconfigure step has been carried out (so snapshots, and traces, of runs without one are unchanged).
    ...(config.step >= 0 ? { configStep: config.step } : {}),
  });
  saveSnapshot(s, ctx, snap, lastIndex);
  sync(s, ctx);
  s.snapshotVoters = snap.voters;
  s.snapshotConfigStep = config.step;
  if (lastIndex > s.log.base) s.log.compact(lastIndex, lastTerm);
  assert(s.log.base === lastIndex && s.applied === lastIndex, "snapshot: the log is not compacted to it");
  ctx.note(`snapshot at index ${lastIndex}`, { lastIndex, lastTerm });
  return snap;
}

/**
 * The snapshot to send a follower that needs entries compacted away. One that fails its checksum is rebuilt from the
 * state machine (at lastApplied, which is at or past the damaged snapshot's index) and written over it, as etcd's
 * leader builds the snapshot it sends from its applied state: replication never stops on a damaged file, and the
 * node keeps leading (its memory is intact; only a restart would read the damage). docs/decisions/.
 */
export function currentSnapshot(s: RaftState, ctx: NodeContext<RaftMsg>): Snapshot | undefined {
  assert(s.applied >= s.log.base, () => `${s.id}: applied ${s.applied} below its snapshot index ${s.log.base}`);
  const snap = ctx.read("snapshot");
  if (snap !== CORRUPT && typeof snap === "object" && snap !== null) return snap as Snapshot;
  if (s.bug.damagedSnapshotStalls) return undefined;
  const why = snap === CORRUPT ? "failed its checksum" : "is missing";
  ctx.note(`${s.id}: its snapshot ${why}: rebuilding it from the state machine at index ${s.applied}`);
  const rebuilt = takeSnapshot(s, ctx);
  assert(
    rebuilt === undefined || (rebuilt.lastIndex >= s.log.base && rebuilt.lastIndex <= s.applied),
    () => `${s.id}: a rebuilt snapshot at ${rebuilt?.lastIndex}, outside [${s.log.base}, ${s.applied}]`,
  );
  return rebuilt;
}
