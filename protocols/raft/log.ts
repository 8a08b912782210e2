import { assert } from "../../sim/core/assert.ts";
import type { Entry } from "./messages.ts";

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/**
 * The in-memory log: entries base+1..lastIndex, where `base` is the last index covered by the snapshot (0 if none).
 * `version` changes whenever entries are removed from the end, so incremental checks can tell a rewrite from growth.
 *
 * Entry base+1+k is slots[k] for k < count. The slots array is reused across compactions (what is left moves to the
 * front) rather than sliced into a new array that grows again by copying itself: at 1,000 entries a second, those
 * copies were long-lived garbage on five nodes.
 */
export class RaftLog {
  /**
   * @param ordered Assert that terms never decrease along the log. Raft guarantees it (a leader appends entries of its
   * own term after those it holds, and a follower keeps a prefix of some leader's log); a planted bug that breaks it
   * (no-prev-log-check) turns this off, so the checks, not an assertion, report what follows.
   */
  constructor(readonly ordered = true) {}

  private readonly slots: (Entry | undefined)[] = [];
  private count = 0;
  base = 0;
  baseTerm = 0;
  version = 0;

  get lastIndex(): number {
    return this.base + this.count;
  }

  get lastTerm(): number {
    return this.count > 0 ? (this.slots[this.count - 1] as Entry).term : this.baseTerm;
  }

  /** Term of entry i: baseTerm at the snapshot point, undefined if compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.base) return this.baseTerm;
    if (i < this.base || i > this.base + this.count) return undefined;
    return (this.slots[i - this.base - 1] as Entry).term;
  }

  entry(i: number): Entry | undefined {
    if (i <= this.base || i > this.base + this.count) return undefined;
    return this.slots[i - this.base - 1];
  }

  /** The last range frozenSlice returned, valid while `version` is unchanged. */
  private cachedFrom = 0;
  private cachedTo = -1;
  private cachedVersion = -1;
  private cached: readonly Entry[] = NO_ENTRIES;

  /**
   * Entries from..to inclusive (clamped to what is held) as a frozen array. Asking again for the same range returns
   * the same array: a leader's log chunk and the AppendEntries it sends every follower are usually one range, so they
   * share one array (and the disks keep it by reference).
   */
  frozenSlice(from: number, to: number): readonly Entry[] {
    const lo = Math.max(from, this.base + 1);
    const hi = Math.min(to, this.lastIndex);
    if (lo > hi) return NO_ENTRIES;
    if (lo !== this.cachedFrom || hi !== this.cachedTo || this.version !== this.cachedVersion) {
      this.cached = Object.freeze(this.slots.slice(lo - this.base - 1, hi - this.base) as Entry[]);
      this.cachedFrom = lo;
      this.cachedTo = hi;
      this.cachedVersion = this.version;
    }
    return this.cached;
  }

  append(e: Entry): number {
    assert(Number.isInteger(e.term) && e.term >= 1, "log append: an entry's term is a whole number >= 1");
    assert(!this.ordered || e.term >= this.lastTerm, () => `log append: term ${e.term} after ${this.lastTerm}`);
    this.slots[this.count++] = e;
    return this.lastIndex;
  }

  /** Remove entries from index i on (never into the snapshot: i > base). */
  truncateFrom(i: number): void {
    assert(i > this.base, () => `log truncate from ${i}: at or below the snapshot index ${this.base}`);
    if (i > this.lastIndex) return;
    const keep = i - this.base - 1;
    this.slots.fill(undefined, keep, this.count);
    this.count = keep;
    this.version++;
    assert(this.lastIndex === i - 1, "log truncate: the log ends before the truncation point");
  }

  /**
   * Replace the whole log by a snapshot's point (a snapshot that does not extend this log): every entry goes, and
   * the log starts after `index`, which only moves forward.
   */
  resetTo(index: number, term: number): void {
    assert(index > this.base, () => `log reset to ${index}: the snapshot index ${this.base} only moves forward`);
    assert(term >= this.baseTerm, () => `log reset: snapshot term ${term} below ${this.baseTerm}`);
    this.truncateFrom(this.base + 1);
    this.base = index;
    this.baseTerm = term;
  }

  /**
   * What the compactions of the current step dropped: entries droppedFrom..droppedFrom+droppedCount-1. The invariants
   * run after the step, and a node applies and compacts in one step (machine.ts): without these they would never see
   * the entries in between. The node forgets them when its next step begins (forgetDropped).
   */
  private readonly dropped: (Entry | undefined)[] = [];
  private droppedCount = 0;
  private droppedFrom = 0;

  forgetDropped(): void {
    if (this.droppedCount === 0) return;
    this.dropped.fill(undefined, 0, this.droppedCount);
    this.droppedCount = 0;
  }

  /**
   * For the checks: the index below the lowest one entryForChecks can return (base, or below what was just dropped).
   */
  get checkFloor(): number {
    return this.droppedCount > 0 ? this.droppedFrom - 1 : this.base;
  }

  /** For the checks: entry i if held, or dropped by a compaction in the current step. */
  entryForChecks(i: number): Entry | undefined {
    if (i > this.base) return this.entry(i);
    const k = i - this.droppedFrom;
    return k >= 0 && k < this.droppedCount ? this.dropped[k] : undefined;
  }

  /** Drop entries up to `index` (now covered by a snapshot whose last entry has `term`). */
  compact(index: number, term: number): void {
    assert(index > this.base, () => `log compact to ${index}: the snapshot index ${this.base} only moves forward`);
    assert(index <= this.lastIndex && this.term(index) === term, () => `log compact to ${index}: not held, or term`);
    const cut = Math.min(index - this.base, this.count);
    if (this.droppedCount > 0 && this.droppedFrom + this.droppedCount !== this.base + 1) this.forgetDropped();
    if (this.droppedCount === 0) this.droppedFrom = this.base + 1;
    for (let k = 0; k < cut; k++) this.dropped[this.droppedCount++] = this.slots[k];
    this.slots.copyWithin(0, cut, this.count);
    this.slots.fill(undefined, this.count - cut, this.count);
    this.count -= cut;
    this.base = index;
    this.baseTerm = term;
    assert(this.count >= 0 && this.lastIndex >= index, "log compact: dropped past the end");
  }

  /** First index of the run of entries with the same term as entry i (for fast backtracking hints). */
  firstIndexOfTerm(i: number): number {
    const t = this.term(i);
    let j = i;
    while (j - 1 > this.base && this.term(j - 1) === t) j--;
    return j;
  }
}
