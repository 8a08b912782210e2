import type { KvOp } from "../../sim/core/protocol.ts";

/** One replicated operation, numbered by the primary. */
export interface Entry {
  seq: number;
  requestId: number;
  op: KvOp;
}

export type RegisterMsg =
  /** Primary -> backup: entries from `from` on (a batch). */
  | { type: "replicate"; entries: Entry[] }
  /** Backup -> primary: I hold every entry up to `seq`, durably. */
  | { type: "ack"; seq: number };
