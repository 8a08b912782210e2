import type { CommitState, ParticipantTxn } from "../commit/state.ts";

/** A participant's record of a transaction. prepared: voted yes, holds the lock, durable, waiting for the outcome. */
export interface PartTxn extends ParticipantTxn<"prepared"> {
  /** Past its decision timeout and asking the coordinator: blocked. */
  asking: boolean;
}

export interface TwoPcBugFlags {
  commitOnTimeout: boolean;
  decisionNotLogged: boolean;
  participantAbortAfterYes: boolean;
}

/** No phase between the votes and the decision. */
export interface TwoPcState extends CommitState<never, PartTxn> {
  bug: TwoPcBugFlags;
  /** Bug decision-not-logged: decisions written but not yet synced. */
  flushPending: boolean;
}

/** Group-commit window of the decision-not-logged bug. */
export const BUGGY_FLUSH_MICROS = 20_000;
