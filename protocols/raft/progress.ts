import { assert } from "../../sim/core/assert.ts";
import type { InvariantContext, ProgressCondition } from "../../sim/core/protocol.ts";
import type { Micros } from "../../sim/core/types.ts";
import type { RaftState } from "./state.ts";

type Ctx = InvariantContext<RaftState>;

/** The index of a live leader whose term is the highest among live nodes, or -1. */
function currentLeader(ctx: Ctx): number {
  let maxTerm = -1;
  let leader = -1;
  let leaderTerm = -1;
  ctx.states.forEach((s, i) => {
    if (s === undefined) return;
    maxTerm = Math.max(maxTerm, s.term);
    if (s.role === "leader" && s.term > leaderTerm) {
      leader = i;
      leaderTerm = s.term;
    }
  });
  return leaderTerm >= 0 && leaderTerm === maxTerm ? leader : -1;
}

const leader: ProgressCondition<RaftState> = {
  name: "leader",
  description: "A live leader whose term is the highest among live nodes.",
  holds: (ctx) => currentLeader(ctx) >= 0,
};

/** The leader's commit index at the times the condition was polled, oldest first (one list per run). */
interface Sample {
  atMicros: Micros;
  commit: number;
}
const samplesOf = new WeakMap<Ctx, Sample[]>();

/**
 * Every live voter (in the leader's configuration, up, and not ignoring messages for a lost term) has reached the
 * commit index the leader had one minimum election timeout ago. Comparing with the leader's commit index of the same
 * instant would fail under steady load, where followers learn each commit one message later; a follower left behind
 * (the leader sends it nothing) stays below any earlier commit index for good. The lag is measured from the polls
 * themselves: the condition first holds one lag after the first poll that saw a leader.
 */
const caughtUp: ProgressCondition<RaftState> = {
  name: "caught-up",
  description:
    "Every live voter reaches the commit index the leader had one minimum election timeout earlier " +
    "(no follower is left behind).",
  holds: (ctx) => {
    const li = currentLeader(ctx);
    if (li < 0) return false;
    const l = ctx.states[li] as RaftState;
    let samples = samplesOf.get(ctx);
    if (samples === undefined) {
      samples = [];
      samplesOf.set(ctx, samples);
    }
    const last = samples[samples.length - 1];
    assert(last === undefined || last.atMicros <= ctx.now, "caught-up: polled back in time");
    samples.push({ atMicros: ctx.now, commit: l.commit });
    // The reference: the latest sample at least one lag old; older ones are never needed again.
    const before = ctx.now - l.o.electionMinMicros;
    let ref = -1;
    for (let k = 0; k < samples.length && (samples[k] as Sample).atMicros <= before; k++) ref = k;
    if (ref < 0) return false;
    samples.splice(0, ref);
    const target = (samples[0] as Sample).commit;
    assert(samples.length >= 2 && target >= 0, "caught-up: the reference is not an earlier poll");
    return ctx.states.every(
      (s, i) => s === undefined || s.termLost || !l.voters.includes(ctx.nodes[i] as string) || s.commit >= target,
    );
  },
};

export const raftProgress: readonly ProgressCondition<RaftState>[] = [leader, caughtUp];
