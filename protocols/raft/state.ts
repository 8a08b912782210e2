import type { KvOp } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { RaftLog } from "./log.ts";
import type { Session } from "./messages.ts";
import type { RaftOptions } from "./options.ts";

/** A read a leader answers without a log entry (reads.ts). */
export interface PendingRead {
  requestId: number;
  op: Extract<KvOp, { f: "read" }>;
  /** The commit index the read must see (-1: not yet known, the leader has no committed entry of its term). */
  index: number;
  /** The confirmation round that must be answered by a quorum (0: none started, served under the lease). */
  round: number;
}

export type Role = "follower" | "precandidate" | "candidate" | "leader";

export interface RaftBugFlags {
  commitOldTerm: boolean;
  forgetVote: boolean;
  noPrevLogCheck: boolean;
  noStepDown: boolean;
  damagedSnapshotStalls: boolean;
  leaseWithoutClockBound: boolean;
  /**
   * Some bug variant is on. The assertions that restate Raft's safety (terms never decrease along a log, a committed
   * entry is never truncated, commit never passes the log's end) are then left to the checks, which report what the
   * bug breaks as a violation with a repro instead of an internal error.
   */
  planted: boolean;
}

/** A Raft node's state: persistent (term, votedFor, log, snapshot) and volatile (everything else). */
export interface RaftState {
  o: RaftOptions;
  bug: RaftBugFlags;
  id: NodeId;
  term: number;
  votedFor: NodeId | null;
  log: RaftLog;
  /** Last index known durable on this node's disk (the leader counts itself only up to here). */
  synced: number;
  /** Last index written to disk (synced or not); a leader persists what it appended when it next syncs. */
  persisted: number;
  /** Start index of every log chunk on disk ("log:<start>"), ascending (see storage.ts). */
  chunks: number[];
  role: Role;
  leader: NodeId | null;
  commit: number;
  applied: number;
  kv: Map<string, string>;
  sessions: Map<string, Session>;
  /** Voters of the configuration in force (the latest config entry in the log, committed or not). */
  voters: readonly NodeId[];
  configIndex: number;
  votes: Set<NodeId>;
  next: Map<NodeId, number>;
  match: Map<NodeId, number>;
  /** Local time of the last message from each peer (leader, for CheckQuorum). */
  lastAck: Map<NodeId, number>;
  leaderSince: number;
  /** Local time this node last heard from a current leader (for PreVote and CheckQuorum stickiness). */
  lastLeaderContact: number;
  /** Leader only: the first index appended in this leadership (everything from here on was appended by this node). */
  leadFrom: number;
  /** Leader only: requests appended in this leadership and not yet answered (a retry of one is not appended again). */
  pendingRequests: Set<number>;
  flushArmed: boolean;
  /** Leader: reads waiting to be answered without a log entry (options `reads`; reads.ts). */
  reads: PendingRead[];
  /** Leader: confirmation rounds started in this leadership; AppendEntries carry the latest, followers echo it. */
  readSeq: number;
  /** Leader: the highest round each peer has answered. */
  readAcked: Map<NodeId, number>;
  /** Leader, lease reads: local send time of each round not yet confirmed. */
  roundSentAt: Map<number, number>;
  /** Leader, lease reads: local time until which it answers reads alone. */
  leaseUntil: number;
  /** Storage failed its checksum: this node no longer votes or campaigns (it may have lost what it promised). */
  damaged: boolean;
  /**
   * The persisted term failed its checksum: this node no longer knows which leaders are stale (it may have
   * acknowledged entries of a later term than any it now believes in), so it ignores every message, as if down, until
   * its disk is wiped. A node whose vote alone was damaged keeps its term and still follows leaders.
   */
  termLost: boolean;
  /**
   * The reconfigure step the config in force carried out (-1: the initial config): the leader proposes the steps after
   * it. Derived from the log (or the snapshot) like `voters`, so a restarted leader, or another node elected later,
   * carries on where the list stands rather than replaying it from the start.
   */
  configStep: number;
  /** Snapshot voters (config in force at the snapshot point). */
  snapshotVoters: readonly NodeId[];
  snapshotConfigStep: number;
  /** The view last returned (see raftView): reused while nothing in it changed. */
  lastView: RaftView | undefined;
}

export function initialState(id: NodeId, nodes: readonly NodeId[], o: RaftOptions, bug: RaftBugFlags): RaftState {
  const voters = o.voters ?? [...nodes];
  return {
    o,
    bug,
    id,
    term: 0,
    votedFor: null,
    log: new RaftLog(!bug.planted),
    synced: 0,
    persisted: 0,
    chunks: [],
    role: "follower",
    leader: null,
    commit: 0,
    applied: 0,
    kv: new Map(),
    sessions: new Map(),
    voters,
    configIndex: 0,
    votes: new Set(),
    next: new Map(),
    match: new Map(),
    lastAck: new Map(),
    leaderSince: 0,
    lastLeaderContact: Number.NEGATIVE_INFINITY,
    leadFrom: 0,
    pendingRequests: new Set(),
    flushArmed: false,
    reads: [],
    readSeq: 0,
    readAcked: new Map(),
    roundSentAt: new Map(),
    leaseUntil: Number.NEGATIVE_INFINITY,
    damaged: false,
    termLost: false,
    lastView: undefined,
    configStep: -1,
    snapshotVoters: voters,
    snapshotConfigStep: -1,
  };
}

export function quorum(s: RaftState): number {
  return Math.floor(s.voters.length / 2) + 1;
}

/** The view is rebuilt only when a field changed, so the engine (which skips comparing an identical object) and the
 * garbage collector see one object per change rather than one per step. */
export interface RaftView {
  role: string;
  term: number;
  votedFor: string | null;
  leader: string | null;
  commitIndex: number;
  lastApplied: number;
  logLength: number;
  snapshotIndex: number;
  voters: number;
  /** The log's terms as runs [firstIndex, term] of held entries (at most the last MAX_TERM_RUNS), for the viewer. */
  logTerms: readonly (readonly [number, number])[];
  /** A leader's per-follower progress (absent on followers and candidates). */
  match?: Readonly<Record<string, number>>;
  next?: Readonly<Record<string, number>>;
  [field: string]: unknown;
}
