import type { Hlc } from "./hlc.ts";
import type { VersionVector } from "./versions.ts";

/** One write accepted by its origin node, numbered by that origin (seq 1, 2, ... contiguous). */
export interface Update {
  origin: string;
  seq: number;
  requestId: number;
  key: string;
  value: string;
  hlc: Hlc;
  vv: VersionVector;
  /** Ids of the versions its node held for the key when it wrote: the values this write overwrote having seen them. */
  saw: string[];
  /** What the op answered its client (kept so the origin can answer a retried request after a restart). */
  result: unknown;
}

export type MultiMasterMsg =
  /** Origin -> peer: the origin's own writes `updates` (contiguous seqs; empty: a heartbeat). */
  | { type: "replicate"; updates: Update[] }
  /** Peer -> origin: I hold every one of your writes up to `seq`, durably. */
  | { type: "ack"; seq: number };
