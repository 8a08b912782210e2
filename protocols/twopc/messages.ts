import type { DecisionMsg, Prepare, VoteMsg } from "../commit/messages.ts";

/** Two-phase commit messages: the shared prepare, vote and decision (protocols/commit/messages.ts), plus: */
export type TwoPcMsg =
  | Prepare
  | VoteMsg
  | DecisionMsg
  /** Participant -> coordinator: the outcome is durable here. */
  | { type: "ack"; txn: string }
  /** A prepared participant that waited too long asks the coordinator for the outcome. */
  | { type: "outcome-req"; txn: string };
