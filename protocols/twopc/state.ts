import type { KvOp } from "../../sim/core/protocol.ts";
import type { Micros, NodeId } from "../../sim/core/types.ts";
import type { TxnFact } from "../commit/facts.ts";
import type { Decision, Vote } from "./messages.ts";
import type { CommitOptions } from "../commit/options.ts";

/** The coordinator's record of a transaction. */
export interface CoordTxn {
  txn: string;
  /** The client request it serves (null for a transaction learned from the log or from an outcome request). */
  requestId: number | null;
  op: KvOp;
  participants: NodeId[];
  votes: Map<NodeId, { vote: Vote; value: string | null }>;
  phase: "voting" | Decision;
  /** Participants that have not acknowledged the decision. */
  unacked: Set<NodeId>;
  /** Local time of the next timeout (vote timeout, then decision re-send). */
  dueMicros: Micros;
  /** What the client was answered (for a retried request). */
  outcome: { ok: boolean; value: unknown } | null;
}

/** A participant's record of a transaction. */
export interface PartTxn {
  txn: string;
  key: string;
  op: KvOp;
  participants: readonly NodeId[];
  /** waiting: queued for the key's lock, not voted; prepared: voted yes, holds the lock, durable. */
  phase: "waiting" | "prepared" | Decision;
  /** The key's committed value when the lock was granted (sent with the yes vote). */
  value: string | null;
  dueMicros: Micros;
  /** Past its decision timeout and asking the coordinator: blocked. */
  asking: boolean;
}

/** Durable record of a prepared transaction (`p:<txn>`). */
export interface PreparedRecord {
  txn: string;
  key: string;
  op: KvOp;
  participants: NodeId[];
  value: string | null;
}

export interface TwoPcBugFlags {
  commitOnTimeout: boolean;
  decisionNotLogged: boolean;
  participantAbortAfterYes: boolean;
}

export interface TwoPcState {
  o: CommitOptions;
  bug: TwoPcBugFlags;
  id: NodeId;
  coordinator: NodeId;
  isCoordinator: boolean;
  participants: NodeId[];
  /** Coordinator: incremented and synced at each boot, so transaction ids never repeat ("<epoch>.<seq>"). */
  epoch: number;
  seq: number;
  ctxns: Map<string, CoordTxn>;
  byRequest: Map<number, string>;
  ptxns: Map<string, PartTxn>;
  kv: Map<string, string>;
  /** key -> the transaction holding its lock; key -> transactions waiting for it, in arrival order. */
  locks: Map<string, string>;
  waiters: Map<string, string[]>;
  /** Transactions with a pending timeout (either role): the one timer "tick" is armed for the earliest. */
  active: Set<string>;
  armedMicros: Micros;
  /** Bug decision-not-logged: decisions written but not yet synced. */
  flushPending: boolean;
  facts: TxnFact[];
  committed: number;
  aborted: number;
  lastTxn: string | null;
  /** A stored value failed its checksum: the node stops taking part. */
  damaged: boolean;
}

/** Most transactions queued for one key's lock at a participant. */
export const MAX_WAITERS = 64;
/** Group-commit window of the decision-not-logged bug. */
export const BUGGY_FLUSH_MICROS = 20_000;
