/**
 * A client history: what each client invoked and what it got back, the input of the linearizability checker.
 * The engine's workload records one; Jepsen EDN and Porcupine-style logs are parsed into the same shape.
 */
import type { KvOp } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import type { CheckOp } from "./models/op.ts";

export type HistoryOutcome = "ok" | "fail" | "info";

/** `O` is the op type: the engine records KvOps; histories read from files may hold any model's ops (CheckOp). */
export interface HistoryOp<O extends CheckOp = KvOp> {
  /** The Jepsen process: one op at a time per process; a process whose op ended in `info` is never reused. */
  process: number;
  client: string;
  /** Unique per logical op. */
  requestId: number;
  op: O;
  invokeMicros: Micros;
  /** When the op completed; null for `info` (indeterminate: it may take effect at any time after invoke). */
  completeMicros: Micros | null;
  outcome: HistoryOutcome;
  /**
   * The result of an `ok` op: for read the value read (string or null when absent); for cas a boolean (true when
   * applied); for write and append undefined (append may also return the new value). Other models: a dequeued
   * value, or a read's elements as a list.
   */
  result: unknown;
}

export interface LinearizabilityResult {
  /** "ok": linearizable; "violation": certainly not; "unknown": the search hit its limit. */
  verdict: "ok" | "violation" | "unknown";
  /** Human-readable explanation: for a violation, the key and the ops that cannot be ordered. */
  message: string;
  /** The key whose sub-history failed (per-key checking), if any. */
  key?: string;
  /** Request ids of the ops involved in the failure (for the viewer to highlight). */
  ops?: number[];
  /** Search states explored (for the metrics), over every key checked. */
  explored: number;
  /** On a violation: the smallest set of ops on that key found to be already not linearizable. */
  counterexample?: Counterexample;
  /** Keys whose sub-history could not be decided within the budgets (sorted), when there are any. */
  unknownKeys?: string[];
  /** Keys that were decided (linearizable or not) before the check stopped. */
  keysDecided?: number;
  /** True when the time budget left a key undecided (more time might decide it; more states would not help). */
  timedOut?: boolean;
}

/**
 * A minimal counterexample: ops of one key that on their own cannot be linearized. `minimal` is true when removing
 * any one op (keeping every op whose written value a kept op reads) makes the rest linearizable; false when the
 * budget for shrinking ran out first (the set is then smaller than the key's history, but perhaps not minimal).
 */
export interface Counterexample {
  key: string;
  /** Request ids, in invocation order. */
  ops: number[];
  /** One line per op: `client rID op args = result [invoke..complete, outcome]`. */
  lines: string[];
  minimal: boolean;
}
