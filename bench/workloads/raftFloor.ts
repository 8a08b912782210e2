import { type RaftOptions, raftOptions } from "../../protocols/raft/options.ts";
import type { ClientReply, KvOp, Protocol } from "../../sim/core/protocol.ts";
import { noOptions } from "../../sim/core/protocolOptions.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { BenchWorkload } from "../types.ts";
import { raft5Scenario } from "./raft5.ts";

/*
 * The floor under raft-5: how fast can its workload go when the protocol does nothing but send raft-5's messages?
 *
 * `bench-raft-skeleton` keeps Raft's message pattern and timers and drops everything else: n1 leads from the start
 * (no election), a follower redirects a client to it, the leader batches client requests for `batchMicros` and sends
 * each batch to the four followers as an AppendEntries-shaped message (every `heartbeatMicros` an empty one), a
 * follower re-arms its election timer and acknowledges, and the leader answers a request once a quorum holds it. No
 * log, no state machine, no disk, no checks. `bench-raft-null` answers every request at once (engine + workload only,
 * three events per op; 90 clients, so it serves raft-5's ~1,000 ops/s). Both run through the same engine and the same
 * clients as raft-5: bench workloads raft-5-skeleton and raft-5-null, and raft-5-no-checks for Raft itself without
 * invariants (all opt-in: `faultline bench --only raft-5-skeleton`). docs/raft.md (Speed) has the numbers.
 */

interface SkeletonMsg {
  type: "append" | "append-resp";
  term: number;
  prevIndex: number;
  prevTerm: number;
  entries: readonly number[];
  commit: number;
  match: number;
}

interface SkeletonState {
  id: string;
  leader: boolean;
  batchMicros: number;
  heartbeatMicros: number;
  electionMicros: number;
  /** Leader: request ids by log index (index k at ids[k - 1]) and the last index each peer acknowledged. */
  ids: number[];
  sent: number;
  committed: number;
  match: Map<string, number>;
  flushArmed: boolean;
}

const VIEW_LEADER = Object.freeze({ role: "leader" });
const VIEW_FOLLOWER = Object.freeze({ role: "follower" });
const OK: ClientReply = Object.freeze({ type: "ok", value: null });
const REDIRECT: ClientReply = Object.freeze({ type: "redirect", leader: "n1" });
const NONE: readonly number[] = Object.freeze([]);

function sendAppend(
  s: SkeletonState,
  ctx: Parameters<Protocol<SkeletonState, SkeletonMsg, KvOp>["step"]>[2],
  entries: readonly number[],
): void {
  const msg: SkeletonMsg = {
    type: "append",
    term: 1,
    prevIndex: s.sent,
    prevTerm: 1,
    entries,
    commit: s.committed,
    match: 0,
  };
  for (const p of ctx.peers) ctx.send(p, msg);
}

export const raftSkeleton: Protocol<SkeletonState, SkeletonMsg, KvOp, RaftOptions> = {
  name: "bench-raft-skeleton",
  description: "benchmark only: Raft's message pattern with no log, state machine, disk or checks (n1 always leads)",
  options: raftOptions,
  create: (ctx, o) => {
    return {
      id: ctx.id,
      leader: ctx.id === "n1",
      batchMicros: o.batchMicros,
      heartbeatMicros: o.heartbeatMicros,
      electionMicros: o.electionMinMicros,
      ids: [],
      sent: 0,
      committed: 0,
      match: new Map(ctx.peers.map((p) => [p, 0])),
      flushArmed: false,
    };
  },
  step: (s, input, ctx) => {
    switch (input.kind) {
      case "start":
        if (s.leader) ctx.setTimer("heartbeat", s.heartbeatMicros);
        else ctx.setTimer("election", s.electionMicros);
        return;
      case "client":
        if (!s.leader) return ctx.reply(input.requestId, REDIRECT);
        s.ids.push(input.requestId);
        if (!s.flushArmed) {
          s.flushArmed = true;
          ctx.setTimer("flush", s.batchMicros);
        }
        return;
      case "timer":
        if (input.name === "flush") {
          s.flushArmed = false;
          const entries = Object.freeze(s.ids.slice(s.sent));
          sendAppend(s, ctx, entries);
          s.sent = s.ids.length;
        } else if (input.name === "heartbeat") {
          sendAppend(s, ctx, NONE);
          ctx.setTimer("heartbeat", s.heartbeatMicros);
        }
        return;
      case "message": {
        const m = input.msg;
        if (m.type === "append") {
          ctx.setTimer("election", s.electionMicros);
          ctx.send(input.from, {
            type: "append-resp",
            term: 1,
            prevIndex: 0,
            prevTerm: 0,
            entries: NONE,
            commit: 0,
            match: m.prevIndex + m.entries.length,
          });
          return;
        }
        if (m.match > (s.match.get(input.from) ?? 0)) s.match.set(input.from, m.match);
        // Quorum of 5 is 3: the leader and two followers. Answer everything up to the second-highest match.
        let first = 0;
        let second = 0;
        for (const v of s.match.values()) {
          if (v > first) {
            second = first;
            first = v;
          } else if (v > second) second = v;
        }
        const commit = Math.min(second, s.sent);
        for (let k = s.committed; k < commit; k++) ctx.reply(s.ids[k] as number, OK);
        if (commit > s.committed) s.committed = commit;
        return;
      }
    }
  },
  view: (s) => (s.leader ? VIEW_LEADER : VIEW_FOLLOWER),
  messageSize: (m) => (m.type === "append" ? 64 + 96 * m.entries.length : 48),
  messageType: (m) => m.type,
  invariants: [],
  bugs: {},
};

/** Engine and workload alone: every node answers every request at once. */
export const raftNull: Protocol<null, never, KvOp> = {
  name: "bench-raft-null",
  description: "benchmark only: every node answers every client request at once",
  options: noOptions,
  create: () => null,
  step: (_s, input, ctx) => {
    if (input.kind === "client") ctx.reply(input.requestId, OK);
  },
  view: () => VIEW_LEADER,
  invariants: [],
  bugs: {},
};

/** An opt-in, untraced workload: the raft-5 scenario under another name, with `change` applied to it. */
function underRaft5(name: string, change: (s: ResolvedScenario) => Partial<ResolvedScenario>): BenchWorkload {
  return {
    name,
    traced: false,
    optIn: true,
    make: () => {
      const s = raft5Scenario(false);
      return { ...s, ...change(s), name };
    },
  };
}

export const raft5Skeleton = underRaft5("raft-5-skeleton", (s) => ({
  protocol: { name: raftSkeleton.name, options: s.protocol.options },
}));

// Answered at once, an op takes one round trip instead of ~150 ms: 90 clients give raft-5's ~1,000 ops/s.
export const raft5Null = underRaft5("raft-5-null", (s) => ({
  protocol: { name: raftNull.name, options: {} },
  workload: { ...s.workload, clients: 90 },
}));

export const raft5NoChecks = underRaft5("raft-5-no-checks", (s) => ({ checks: { ...s.checks, invariants: [] } }));
