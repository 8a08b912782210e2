import { describe, expect, it } from "vitest";
import { AssertionError } from "../../../sim/core/assert.ts";
import { assertBounds, commitTo } from "../../../protocols/raft/bounds.ts";
import { RaftLog } from "../../../protocols/raft/log.ts";
import type { Entry } from "../../../protocols/raft/messages.ts";
import { raftOptions } from "../../../protocols/raft/options.ts";
import { initialState } from "../../../protocols/raft/state.ts";

const entry = (term: number, id: string): Entry => ({ term, id, cmd: { type: "noop" } });
const flags = {
  commitOldTerm: false,
  forgetVote: false,
  noPrevLogCheck: false,
  noStepDown: false,
  damagedSnapshotStalls: false,
  leaseWithoutClockBound: false,
  planted: false,
};

function logOf(...terms: number[]): RaftLog {
  const log = new RaftLog();
  for (const [k, t] of terms.entries()) log.append(entry(t, `e${k + 1}`));
  return log;
}

describe("raft log assertions", () => {
  it("refuse an entry whose term is below the last one's", () => {
    expect(() => logOf(1, 2, 1)).toThrow(AssertionError);
    // a planted bug that breaks the order leaves it to the checks
    const loose = new RaftLog(false);
    loose.append(entry(2, "a"));
    expect(() => loose.append(entry(1, "b"))).not.toThrow();
  });

  it("refuse to truncate into the snapshot or to compact backwards or past the end", () => {
    const log = logOf(1, 1, 2, 2);
    log.compact(2, 1);
    expect(() => log.truncateFrom(2)).toThrow(AssertionError);
    expect(() => log.compact(1, 1)).toThrow(AssertionError);
    expect(() => log.compact(9, 2)).toThrow(AssertionError);
    expect(() => log.resetTo(2, 1)).toThrow(AssertionError);
    log.truncateFrom(4);
    expect(log.lastIndex).toBe(3);
  });

  it("refuse to move the commit index back or past the log, and lastApplied past commit", () => {
    const s = initialState("n1", ["n1"], raftOptions.defaults({ nodes: ["n1"] }), flags);
    s.log.append(entry(1, "a"));
    s.log.append(entry(1, "b"));
    commitTo(s, 2);
    expect(() => commitTo(s, 1)).toThrow(AssertionError);
    expect(() => commitTo(s, 3)).toThrow(AssertionError);
    s.applied = 2;
    expect(() => assertBounds(s)).not.toThrow();
    s.applied = 3;
    expect(() => assertBounds(s)).toThrow(AssertionError);
  });
});
