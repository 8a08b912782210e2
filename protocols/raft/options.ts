import type { Micros, NodeId } from "../../sim/core/types.ts";

export interface RaftOptions {
  electionMinMicros: Micros;
  electionMaxMicros: Micros;
  heartbeatMicros: Micros;
  /** Client entries wait this long to be sent together (0: send at once). */
  batchMicros: Micros;
  /** Most entries in one AppendEntries. */
  maxBatch: number;
  /** A new leader appends a no-op of its term at once (so it can commit earlier entries without waiting for a client). */
  noopOnElection: boolean;
  preVote: boolean;
  checkQuorum: boolean;
  /** Take a snapshot every this many applied entries (0: never). */
  snapshotEvery: number;
  /** Initial voters (default: every node). Others start as learners. */
  voters: NodeId[] | null;
  /** Single-server membership changes the leader proposes, in order, once its clock passes `atMicros`. */
  reconfigure: { atMicros: Micros; add?: NodeId; remove?: NodeId }[];
}

export const RAFT_DEFAULTS: RaftOptions = {
  electionMinMicros: 300_000,
  electionMaxMicros: 600_000,
  heartbeatMicros: 60_000,
  batchMicros: 2_000,
  maxBatch: 256,
  noopOnElection: true,
  preVote: true,
  checkQuorum: true,
  snapshotEvery: 0,
  voters: null,
  reconfigure: [],
};

export const RAFT_OPTION_DOCS = [
  { name: "electionMinMicros", type: "micros", default: RAFT_DEFAULTS.electionMinMicros, description: "lower bound of the randomized election timeout (local clock)" },
  { name: "electionMaxMicros", type: "micros", default: RAFT_DEFAULTS.electionMaxMicros, description: "upper bound of the randomized election timeout" },
  { name: "heartbeatMicros", type: "micros", default: RAFT_DEFAULTS.heartbeatMicros, description: "leader heartbeat / retransmission interval" },
  { name: "batchMicros", type: "micros", default: RAFT_DEFAULTS.batchMicros, description: "client entries wait this long to be replicated together (0: at once)" },
  { name: "maxBatch", type: "integer", default: RAFT_DEFAULTS.maxBatch, description: "most entries in one AppendEntries" },
  { name: "noopOnElection", type: "boolean", default: RAFT_DEFAULTS.noopOnElection, description: "a new leader appends a no-op of its term at once" },
  { name: "preVote", type: "boolean", default: RAFT_DEFAULTS.preVote, description: "PreVote: a node asks whether it could win before bumping its term" },
  { name: "checkQuorum", type: "boolean", default: RAFT_DEFAULTS.checkQuorum, description: "leaders step down without a quorum; followers with a live leader ignore votes" },
  { name: "snapshotEvery", type: "integer", default: RAFT_DEFAULTS.snapshotEvery, description: "snapshot and compact the log every N applied entries (0: never)" },
  { name: "voters", type: "node ids | null", default: null, description: "initial voting members (default: every node; others are learners)" },
  { name: "reconfigure", type: "[{atMicros, add?, remove?}]", default: [], description: "single-server membership changes the leader proposes in order" },
];
