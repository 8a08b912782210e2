import { assert } from "../../sim/core/assert.ts";

/**
 * The rounds of the learned slots as runs [firstSlot, round] over slots 1..maxChosen, a slot not learned yet (or
 * learned from a peer's catch-up answer, which carries no ballot) counting as round 0, for the viewer's log drawing.
 * Kept up to date on each learn (in-order learning extends the last run; filling a gap splits one), so the view never
 * rescans the slots.
 */
export interface SlotRuns {
  runs: [number, number][];
  /** The last slot covered (maxChosen). */
  last: number;
  /** Bumped on every change, so the view knows when to copy the tail. */
  version: number;
  /** The tail last handed to a view, and the version it was taken at. */
  tail: readonly (readonly [number, number])[];
  tailVersion: number;
}

export function emptySlotRuns(): SlotRuns {
  return { runs: [], last: 0, version: 0, tail: Object.freeze([]), tailVersion: 0 };
}

function append(r: SlotRuns, first: number, round: number): void {
  const tail = r.runs[r.runs.length - 1];
  if (tail === undefined || tail[1] !== round) r.runs.push([first, round]);
}

export function noteLearnedSlot(r: SlotRuns, slot: number, round: number): void {
  assert(slot >= 1 && round >= 0, `a learned slot (${slot}) has a round (${round}) of 0 or more`);
  r.version++;
  if (slot > r.last) {
    if (slot > r.last + 1) append(r, r.last + 1, 0);
    append(r, slot, round);
    r.last = slot;
    return;
  }
  // A gap slot (round 0) inside the covered range: split its run into [.., 0] [slot, round] [slot + 1, 0].
  let lo = 0;
  let hi = r.runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((r.runs[mid] as [number, number])[0] <= slot) lo = mid;
    else hi = mid - 1;
  }
  const run = r.runs[lo] as [number, number];
  assert(run[1] === 0, `slot ${slot} is learned once (its run has round ${run[1]})`);
  const end = lo + 1 < r.runs.length ? (r.runs[lo + 1] as [number, number])[0] - 1 : r.last;
  const parts: [number, number][] = [];
  if (run[0] < slot) parts.push([run[0], 0]);
  parts.push([slot, round]);
  if (slot < end) parts.push([slot + 1, 0]);
  r.runs.splice(lo, 1, ...parts);
  // Merge with equal neighbours.
  const from = Math.max(0, lo - 1);
  const to = Math.min(r.runs.length - 1, lo + parts.length);
  for (let i = to; i > from; i--) {
    if ((r.runs[i] as [number, number])[1] === (r.runs[i - 1] as [number, number])[1]) r.runs.splice(i, 1);
  }
}

/** The last `max` runs as a frozen copy (what a view holds): the same object until the runs change. */
export function tailRuns(r: SlotRuns, max: number): readonly (readonly [number, number])[] {
  if (r.tailVersion !== r.version) {
    r.tail = Object.freeze(r.runs.slice(-max).map((x) => Object.freeze([x[0], x[1]] as const)));
    r.tailVersion = r.version;
  }
  return r.tail;
}
