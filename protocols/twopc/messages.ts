import type { KvOp } from "../../sim/core/protocol.ts";

export type Vote = "yes" | "no";
export type Decision = "commit" | "abort";

/**
 * Two-phase commit messages. Every message names its transaction in `txn` ("<coordinator epoch>.<sequence>"), so the
 * trace and the viewer can group a transaction's traffic.
 */
export type TwoPcMsg =
  /** Coordinator -> each participant holding the key: lock it and vote. `participants` lists every one asked. */
  | { type: "prepare"; txn: string; key: string; op: KvOp; participants: string[] }
  /** Participant -> coordinator. A yes vote carries the key's committed value (the lock keeps it until the decision). */
  | { type: "vote"; txn: string; vote: Vote; value: string | null; reason?: string }
  /** Coordinator -> participants: the outcome, re-sent until acknowledged. */
  | { type: "commit"; txn: string }
  | { type: "abort"; txn: string }
  /** Participant -> coordinator: the outcome is durable here. */
  | { type: "ack"; txn: string }
  /** A prepared participant that waited too long asks the coordinator for the outcome. */
  | { type: "outcome-req"; txn: string };
