import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { raftBugs } from "./bugs.ts";
import { raftInvariants } from "./invariants.ts";
import type { RaftMsg } from "./messages.ts";
import { createRaft, stepRaft } from "./node.ts";
import { type RaftOptions, raftOptions } from "./options.ts";
import { raftProgress } from "./progress.ts";
import type { RaftState } from "./state.ts";
import { raftView } from "./view.ts";

function entriesBytes(m: RaftMsg): number {
  if (m.type === "append") return 64 + 96 * m.entries.length;
  if (m.type === "snapshot") return 128 + 64 * (m.snapshot.kv.length + m.snapshot.sessions.length);
  return 48;
}

/** Raft with PreVote, CheckQuorum, batching, snapshots, single-server membership changes and a KV state machine. */
export const raft: Protocol<RaftState, RaftMsg, KvOp, RaftOptions> = {
  name: "raft",
  description:
    "Raft consensus with PreVote, CheckQuorum, batched replication, snapshots, single-server membership " +
    "changes and a linearizable KV store.",
  options: raftOptions,
  create: createRaft,
  step: stepRaft,
  view: raftView,
  viewHints: {
    epoch: "term",
    leaderRole: "leader",
    log: { terms: "logTerms", length: "logLength", commit: "commitIndex", match: "match", next: "next" },
    evidence: [
      {
        check: "raft.leader-completeness",
        pattern: "^leader (?<node>\\S+) of term (?<epoch>\\d+) lacks committed entry (?<index>\\d+)",
      },
    ],
  },
  messageSize: entriesBytes,
  messageType: (m) => m.type,
  invariants: raftInvariants,
  progress: raftProgress,
  roles: ["leader", "follower", "candidate"],
  bugs: raftBugs,
};
