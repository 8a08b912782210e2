import type { Clock, Version } from "./versions.ts";

export type MultimasterMsg =
  /** Updates the receiver has not acknowledged, in per-origin seq order (a batch; empty: a heartbeat or probe). */
  | { type: "replicate"; updates: Version[] }
  /** Every update the sender holds, as a version vector: per origin, the highest contiguous seq. */
  /** `gap`: the batch skipped updates the sender must resend (from what this ack says is held). */
  | { type: "ack"; applied: Clock; gap: boolean };
