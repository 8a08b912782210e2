import type { KvOp } from "../../sim/core/protocol.ts";

export type Vote = "yes" | "no";
export type Decision = "commit" | "abort";

/*
 * The messages 2PC and 3PC share, field for field; each protocol's message union adds its own. Every message names
 * its transaction in `txn` ("<coordinator epoch>.<sequence>"), so the trace and the viewer can group a transaction's
 * traffic.
 */

/** Coordinator -> each participant holding the key: lock it and vote. `participants` lists every one asked. */
export type Prepare = { type: "prepare"; txn: string; key: string; op: KvOp; participants: string[] };
/** Participant -> coordinator. A yes vote carries the key's committed value (the lock keeps it until the decision). */
export type VoteMsg = { type: "vote"; txn: string; vote: Vote; value: string | null; reason?: string };
/** The outcome, re-sent until acknowledged. */
export type DecisionMsg = { type: "commit"; txn: string } | { type: "abort"; txn: string };

/** What the shared code in protocols/commit/ sends. */
export type CommitMsg = Prepare | VoteMsg | DecisionMsg;

/** Simulated wire size: a prepare carries the op and the participant list, every other message is small. */
export function commitMessageSize(m: { type: string; participants?: readonly string[] }): number {
  return m.type === "prepare" ? 96 + 16 * (m.participants?.length ?? 0) : 48;
}
