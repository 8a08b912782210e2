import type { Micros, NodeId } from "../../sim/core/types.ts";
import type {
  CommitState,
  CoordinatorTxn,
  ParticipantTxn,
  PreparedRecord as BasePreparedRecord,
} from "../commit/state.ts";
import type { TxnState } from "./messages.ts";

/**
 * voting -> precommitting (every vote yes, precommits out; `unacked`: the precommits not acknowledged) -> commit;
 * voting -> abort.
 */
export type CoordTxn = CoordinatorTxn<"precommitting">;

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

/** A participant's record of a transaction. uncertain: voted yes; precommitted: prepared to commit (both durable). */
export interface PartTxn extends ParticipantTxn<"uncertain" | "precommitted"> {
  /**
   * Restarted with the transaction undecided: this node may not decide it or act as recovery coordinator for it (it
   * may have missed what the others did while it was down); it asks everyone for the outcome.
   */
  recovering: boolean;
  /** Local time the termination clock started (the vote, or the coordinator's precommit). */
  t0Micros: Micros;
  /**
   * Next termination slot (slot r starts at t0 + (r+1) * decisionTimeout; its recovery coordinator is participants[r %
   * n]).
   */
  round: number;
  recovery: Recovery | null;
  /**
   * Recovering only: what the others answered to its outcome requests (their undecided state, and whether they are
   * recovering too), and whether the coordinator answered that it has no record of the transaction.
   */
  heard: Map<NodeId, { state: TxnState; recovering: boolean }> | null;
  coordinatorForgot: boolean;
}

export interface PreparedRecord extends BasePreparedRecord {
  precommitted: boolean;
}

export interface ThreePcBugFlags {
  skipPrecommit: boolean;
  independentRecovery: boolean;
}

export interface ThreePcState extends CommitState<"precommitting", PartTxn> {
  bug: ThreePcBugFlags;
  /** Transactions this node decided as recovery coordinator. */
  recovered: number;
}
