import type { KvOp } from "../../sim/core/protocol.ts";
import type { Micros, NodeId } from "../../sim/core/types.ts";
import type { TxnFact } from "../commit/facts.ts";
import type { CommitOptions } from "../commit/options.ts";
import type { Decision, TxnState, Vote } from "./messages.ts";

export interface CoordTxn {
  txn: string;
  requestId: number | null;
  op: KvOp;
  participants: NodeId[];
  votes: Map<NodeId, { vote: Vote; value: string | null }>;
  /** voting -> precommitting (every vote yes, precommits out) -> commit; voting -> abort. */
  phase: "voting" | "precommitting" | Decision;
  /** precommitting: participants that have not acknowledged the precommit; decided: the decision. */
  unacked: Set<NodeId>;
  dueMicros: Micros;
  outcome: { ok: boolean; value: unknown } | null;
}

/** A recovery coordinator's round of the termination protocol. */
export interface Recovery {
  round: number;
  phase: "collecting" | "precommitting";
  /** Replies so far (participants and the coordinator). */
  states: Map<NodeId, TxnState>;
  /** precommitting: the uncertain participants that have not acknowledged. */
  waiting: Set<NodeId>;
  dueMicros: Micros;
}

export interface PartTxn {
  txn: string;
  key: string;
  op: KvOp;
  participants: readonly NodeId[];
  /** waiting: queued for the lock; uncertain: voted yes; precommitted: prepared to commit (both durable). */
  phase: "waiting" | "uncertain" | "precommitted" | Decision;
  value: string | null;
  /**
   * Restarted with the transaction undecided: this node may not decide it or act as recovery coordinator for it (it
   * may have missed what the others did while it was down); it asks everyone for the outcome.
   */
  recovering: boolean;
  /** Local time the termination clock started (the vote, or the coordinator's precommit). */
  t0Micros: Micros;
  /** Next termination slot (slot r starts at t0 + (r+1) * decisionTimeout; its recovery coordinator is participants[r % n]). */
  round: number;
  recovery: Recovery | null;
  /**
   * Recovering only: what the others answered to its outcome requests (their undecided state, and whether they are
   * recovering too), and whether the coordinator answered that it has no record of the transaction.
   */
  heard: Map<NodeId, { state: TxnState; recovering: boolean }> | null;
  coordinatorForgot: boolean;
  dueMicros: Micros;
}

export interface PreparedRecord {
  txn: string;
  key: string;
  op: KvOp;
  participants: NodeId[];
  value: string | null;
  precommitted: boolean;
}

export interface ThreePcBugFlags {
  skipPrecommit: boolean;
  independentRecovery: boolean;
}

export interface ThreePcState {
  o: CommitOptions;
  bug: ThreePcBugFlags;
  id: NodeId;
  coordinator: NodeId;
  isCoordinator: boolean;
  participants: NodeId[];
  epoch: number;
  seq: number;
  ctxns: Map<string, CoordTxn>;
  byRequest: Map<number, string>;
  ptxns: Map<string, PartTxn>;
  kv: Map<string, string>;
  locks: Map<string, string>;
  waiters: Map<string, string[]>;
  active: Set<string>;
  armedMicros: Micros;
  facts: TxnFact[];
  committed: number;
  aborted: number;
  /** Transactions this node decided as recovery coordinator. */
  recovered: number;
  lastTxn: string | null;
  damaged: boolean;
}
