/**
 * A client history: what each client invoked and what it got back, the input of the linearizability checker.
 * The engine's workload records one; Jepsen EDN and Porcupine-style logs are parsed into the same shape.
 */
import type { KvOp } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";

export type HistoryOutcome = "ok" | "fail" | "info";

export interface HistoryOp {
  /** The Jepsen process: one op at a time per process; a process whose op ended in `info` is never reused. */
  process: number;
  client: string;
  /** Unique per logical op. */
  requestId: number;
  op: KvOp;
  invokeMicros: Micros;
  /** When the op completed; null for `info` (indeterminate: it may take effect at any time after invoke). */
  completeMicros: Micros | null;
  outcome: HistoryOutcome;
  /**
   * The result of an `ok` op: for read the value read (string or null when absent); for cas a boolean (true when
   * applied); for write and append undefined (append may also return the new value).
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
  /** Search states explored (for the metrics). */
  explored: number;
}
