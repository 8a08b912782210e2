/** One change of a region's log: the value a key took by a local write, stamped for last-writer-wins. */
export interface Change {
  /** Position in the origin's log, 1-based and contiguous. */
  seq: number;
  key: string;
  value: string | null;
  /** Last-writer-wins stamp (origin's clock, bumped past the key's previous stamp) and the write's local time. */
  ts: number;
  at: number;
}

export type RegionsyncMsg =
  /** Source -> target: changes from position `from` + 1 on; `more`: the source holds changes past this batch. */
  /** `last`: the last batch of an answer to a pull (the target may pull again at once when `more`). */
  | { type: "batch"; from: number; changes: Change[]; wireBytes: number; more: boolean; last: boolean }
  /** Target -> source: I hold your changes up to `pos`, durably (cumulative). */
  | { type: "ack"; pos: number }
  /** Target -> source (pull mode): send me changes after `from` (and: I hold up to `from`, durably). */
  | { type: "pull"; from: number; max: number };
