import { assert } from "../../sim/core/assert.ts";
import type { RaftState } from "./state.ts";

/*
 * The log's indexes and how they move (etcd's log.go stops the same way): snapshot index <= lastApplied <= commitIndex
 * <= lastIndex; the commit index and lastApplied only move forward, the snapshot index only forward (log.ts), and a
 * committed entry is never truncated (replication.ts).
 */

/**
 * Move the commit index to `index`: never back, never past the end of the log (with a planted bug, a leader can count
 * acknowledgements meant for another leader of its term: the checks report that).
 */
export function commitTo(s: RaftState, index: number): void {
  assert(index >= s.commit, () => `${s.id}: commit index moves back from ${s.commit} to ${index}`);
  assert(
    s.bug.planted || index <= s.log.lastIndex,
    () => `${s.id}: commit index ${index} past the log's end ${s.log.lastIndex}`,
  );
  s.commit = index;
}

/**
 * snapshot index <= lastApplied <= commitIndex <= lastIndex, after every step. With a planted bug the last bound is
 * the checks' to report: a bug that lets a committed entry be overwritten also truncates logs below their commit.
 */
export function assertBounds(s: RaftState): void {
  assert(s.log.base <= s.applied, () => `${s.id}: lastApplied ${s.applied} below the snapshot index ${s.log.base}`);
  assert(s.applied <= s.commit, () => `${s.id}: lastApplied ${s.applied} past the commit index ${s.commit}`);
  assert(
    s.bug.planted || s.commit <= s.log.lastIndex,
    () => `${s.id}: commit index ${s.commit} past the log's end ${s.log.lastIndex}`,
  );
}
