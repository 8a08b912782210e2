import type { KvOp, NodeContext } from "../../sim/core/protocol.ts";
import type { Micros, NodeId } from "../../sim/core/types.ts";
import type { TxnFact } from "./facts.ts";
import type { LockTable } from "./locks.ts";
import type { Decision, Vote } from "./messages.ts";
import type { CommitOptions } from "./options.ts";

/** The coordinator's record of a transaction. `Between` names the protocol's phases between voting and the decision. */
export interface CoordinatorTxn<Between extends string = never> {
  txn: string;
  /** The client request it serves (null for a transaction learned from the log or from another node). */
  requestId: number | null;
  op: KvOp;
  participants: NodeId[];
  votes: Map<NodeId, { vote: Vote; value: string | null }>;
  phase: "voting" | Between | Decision;
  /** Participants that have not acknowledged the decision (or what the protocol sends before it). */
  unacked: Set<NodeId>;
  /** Local time of the next timeout (vote timeout, then re-sends). */
  dueMicros: Micros;
  /** What the client was answered (for a retried request). */
  outcome: { ok: boolean; value: unknown } | null;
}

/**
 * A participant's record of a transaction. `Undecided` names the protocol's phases after a yes vote (voted, holding
 * the lock, durable, not decided); each protocol adds its own fields.
 */
export interface ParticipantTxn<Undecided extends string> {
  txn: string;
  key: string;
  op: KvOp;
  participants: readonly NodeId[];
  /** waiting: queued for the key's lock, not voted. */
  phase: "waiting" | Undecided | Decision;
  /** The key's committed value when the lock was granted (sent with the yes vote). */
  value: string | null;
  dueMicros: Micros;
}

/** Durable record of a prepared transaction (`p:<txn>`). */
export interface PreparedRecord {
  txn: string;
  key: string;
  op: KvOp;
  participants: NodeId[];
  value: string | null;
}

/** What every node of an atomic commit protocol keeps, in either role. */
export interface CommitState<Between extends string, P extends ParticipantTxn<string>> extends LockTable {
  o: CommitOptions;
  id: NodeId;
  coordinator: NodeId;
  isCoordinator: boolean;
  participants: NodeId[];
  /** Coordinator: incremented and synced at each boot, so transaction ids never repeat ("<epoch>.<seq>"). */
  epoch: number;
  seq: number;
  ctxns: Map<string, CoordinatorTxn<Between>>;
  byRequest: Map<number, string>;
  ptxns: Map<string, P>;
  /** Participant: the committed values of the keys it holds. */
  kv: Map<string, string>;
  /** Transactions with a pending timeout (either role): the one timer "tick" is armed for the earliest. */
  active: Set<string>;
  armedMicros: Micros;
  facts: TxnFact[];
  committed: number;
  aborted: number;
  lastTxn: string | null;
  /** A stored value failed its checksum: the node stops taking part. */
  damaged: boolean;
}

/** A commit-protocol state as the code shared by both protocols sees it. */
export type AnyCommitState = CommitState<string, ParticipantTxn<string>>;

/** A fresh state, before anything is read from disk. */
export function newCommitState<Between extends string, P extends ParticipantTxn<string>>(
  ctx: NodeContext<unknown>,
  o: CommitOptions,
): CommitState<Between, P> {
  const coordinator = o.coordinator ?? (ctx.nodes[0] as string);
  return {
    o,
    id: ctx.id,
    coordinator,
    isCoordinator: ctx.id === coordinator,
    participants: ctx.nodes.filter((n) => n !== coordinator),
    epoch: 0,
    seq: 0,
    ctxns: new Map(),
    byRequest: new Map(),
    ptxns: new Map(),
    kv: new Map(),
    locks: new Map(),
    waiters: new Map(),
    active: new Set(),
    armedMicros: Number.POSITIVE_INFINITY,
    facts: [],
    committed: 0,
    aborted: 0,
    lastTxn: null,
    damaged: false,
  };
}

/** A stored value failed its checksum: note it once and stop taking part. */
export function damaged(s: AnyCommitState, key: string, ctx: NodeContext<unknown>): void {
  if (!s.damaged) ctx.note(`disk damaged (${key} failed its checksum): this node stops taking part`, { key });
  s.damaged = true;
}
