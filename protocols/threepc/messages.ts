import type { Decision, DecisionMsg, Prepare, VoteMsg } from "../commit/messages.ts";

/** What a participant tells a recovery coordinator about a transaction. */
export type TxnState = "unknown" | "uncertain" | "precommitted" | "committed" | "aborted" | "recovering";

/**
 * Three-phase commit messages: the shared prepare, vote and decision (protocols/commit/messages.ts), plus those below.
 * Decisions and precommits come from the coordinator or from a recovery coordinator (a participant running the
 * termination protocol).
 */
export type ThreePcMsg =
  | Prepare
  | VoteMsg
  | DecisionMsg
  /** Every participant voted yes: move to prepared-to-commit (durably) and acknowledge. */
  | { type: "precommit"; txn: string }
  /** A participant acknowledges a precommit or a decision. */
  | { type: "ack"; txn: string; of: "precommit" | Decision }
  /** Termination protocol: a recovery coordinator collects every participant's state. */
  | { type: "state-req"; txn: string; round: number }
  /** A state, for a recovery coordinator's state-req or a recovering participant's outcome-req (`recovering`: the
   * sender restarted with the transaction undecided too). */
  | { type: "state"; txn: string; state: TxnState; recovering?: boolean }
  /** A participant that restarted with the transaction undecided asks everyone for the outcome. */
  | { type: "outcome-req"; txn: string };
