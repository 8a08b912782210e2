import type { KvOp } from "../../sim/core/protocol.ts";

/** One logged write, numbered by the primary of `epoch`; `at` is the primary's clock when it was logged. */
export interface LogEntry {
  seq: number;
  epoch: number;
  requestId: number;
  op: KvOp;
  at: number;
}

export type ReplicationMsg =
  /** Primary -> backup: entries after (prevSeq, prevEpoch), the commit point and last seq; or a heartbeat. */
  | {
      type: "append";
      epoch: number;
      prevSeq: number;
      prevEpoch: number;
      entries: LogEntry[];
      commit: number;
      last: number;
      sentAt: number;
    }
  /** Backup -> primary: ok and the last seq matching the primary's log, or a mismatch and where to retry from. */
  | { type: "append-reply"; epoch: number; ok: boolean; match: number; sentAt: number }
  /** Primary -> backup: a full copy (the state at `seq`), for a backup behind the primary's retained log. */
  | {
      type: "snapshot";
      epoch: number;
      seq: number;
      snapEpoch: number;
      kv: [string, string][];
      ids: number[];
      sentAt: number;
    }
  /** Pre-vote (no state changes): would you vote for me in `epoch`? A cut-off node learns it would lose. */
  | { type: "pre-vote-request"; epoch: number; lastSeq: number; lastEpoch: number }
  | { type: "pre-vote"; epoch: number; granted: boolean }
  /** Candidate -> all: make me primary of `epoch`; my log ends at (lastSeq, lastEpoch). */
  | { type: "vote-request"; epoch: number; lastSeq: number; lastEpoch: number }
  | { type: "vote"; epoch: number; granted: boolean };

function opBytes(op: KvOp): number {
  const value = op.f === "read" ? 0 : op.value.length;
  const expected = op.f === "cas" ? (op.expected?.length ?? 0) : 0;
  return 8 + op.key.length + value + expected;
}

/** Bytes on the wire: a header, and for each entry its numbers (seq, epoch, request, time) and the op's strings. */
export function replicationMessageSize(m: ReplicationMsg): number {
  switch (m.type) {
    case "append":
      return m.entries.reduce((sum, e) => sum + 32 + opBytes(e.op), 56);
    case "snapshot":
      return m.kv.reduce((sum, [k, v]) => sum + 8 + k.length + v.length, 40) + 8 * m.ids.length;
    default:
      return 32;
  }
}
