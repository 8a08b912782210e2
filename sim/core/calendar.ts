import { growFloat64, growInt32 } from "./typed.ts";

/** Fewest buckets a calendar keeps. */
const MIN_BUCKETS = 64;
/** Events sampled from the front of the queue to choose a bucket width (Brown's calendar queue uses 25). */
const WIDTH_SAMPLE = 25;
/** Average steps (buckets scanned plus list entries walked) per operation above which the width is chosen anew. */
const MAX_STEPS_PER_OP = 8;

/**
 * A calendar queue (R. Brown, "Calendar queues", CACM 1988): the priority queue under the scheduler. Entries are
 * (time, key) pairs ordered by time, then key; an entry is identified by the scheduler's slot, which has at most
 * one entry here at a time.
 *
 * Time is cut into buckets of `width` microseconds; bucket number v = floor(time / width) lives in array bucket
 * v mod nb, a list sorted by (time, key), so one array bucket holds the entries of every "year" (nb buckets) that
 * fall in it, earliest first. Taking the least entry walks bucket numbers upward from the last one taken until an
 * array bucket's head has that bucket number. With about one to three entries per bucket near the front, insertion
 * and removal each touch a bucket or two, whatever the number pending; a 4-ary heap needs a sift of log4(n) levels,
 * each a handful of data-dependent comparisons that the branch predictor mostly gets wrong (measured on ping-5,
 * ~200 pending: the heap was a quarter of the engine's time).
 *
 * The width follows the events: it is chosen from the spacing of the next few events whenever the number of buckets
 * changes (they are kept between half and twice the number of entries), and again when operations start taking
 * many steps (events much denser or sparser than when it was chosen). Entries far in the future only cost a look at
 * their bucket's head once a year. Order is exactly (time, key), as with a heap: the scheduler's traces do not change.
 */
export class Calendar {
  /**
   * Per entry (indexed by slot): its time, key and bucket number (-1: no entry in that slot), and the next entry of
   * its bucket list (-1: none).
   */
  time: Float64Array;
  key: Float64Array;
  private vb: Float64Array;
  private next: Int32Array;

  private nb = MIN_BUCKETS;
  private mask = MIN_BUCKETS - 1;
  private head = new Int32Array(MIN_BUCKETS).fill(-1);
  private tail = new Int32Array(MIN_BUCKETS).fill(-1);
  private width = 1_024;
  private inverse = 1 / 1_024;
  /** Every entry's bucket number is at least this (the bucket of the entry taken last, or lower). */
  private cur = 0;
  /** Entries held. */
  count = 0;
  /** Every slot that ever held an entry is below this. */
  private slotLimit = 0;

  /** Steps taken and removals made since the last check; removals between checks. */
  private steps = 0;
  private pops = 0;
  private checkEvery = 4_096;
  /** Time of the entry removed last, and what it was at the last check: their difference is time advanced since. */
  private lastTime = 0;
  private checkTime = 0;
  /** Twice the mean time between removals over the last check period (0 until measured): the width to aim for. */
  private rateWidth = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.key = new Float64Array(capacity);
    this.vb = new Float64Array(capacity).fill(-1);
    this.next = new Int32Array(capacity);
  }

  /** Room for entries with slots below `capacity`. */
  grow(capacity: number): void {
    this.time = growFloat64(this.time, capacity);
    this.key = growFloat64(this.key, capacity);
    const used = this.vb.length;
    this.vb = growFloat64(this.vb, capacity);
    this.vb.fill(-1, used);
    this.next = growInt32(this.next, capacity);
  }

  insert(slot: number, time: number, key: number): void {
    this.place(slot, time, key);
    if (slot >= this.slotLimit) this.slotLimit = slot + 1;
    // Growing fourfold: a burst of insertions (a million timers armed at once) rebuilds less often.
    if (++this.count > this.nb * 2) this.rebuild(this.nb * 4, this.rateWidth > 0 ? this.rateWidth : this.sampleSpacing());
  }

  /** Remove and return the least entry's slot; -1 when empty. */
  popMin(): number {
    const b = this.findMin();
    if (b < 0) return -1;
    const slot = this.head[b] as number;
    const after = this.next[slot] as number;
    this.head[b] = after;
    if (after < 0) this.tail[b] = -1;
    this.count--;
    this.vb[slot] = -1;
    this.lastTime = this.time[slot] as number;
    // Checked every so many removals, or sooner when steps pile up (a width far too small for what is pending).
    if (++this.pops >= this.checkEvery || this.steps > this.checkEvery * MAX_STEPS_PER_OP) this.check();
    return slot;
  }

  /** The least entry's slot, left in place; -1 when empty. */
  peekMin(): number {
    const b = this.findMin();
    return b < 0 ? -1 : (this.head[b] as number);
  }

  /** Put an entry in its bucket's list (sorted by time, then key); a later entry than the list's last is appended. */
  private place(slot: number, time: number, key: number): void {
    const v = Math.floor(time * this.inverse);
    const T = this.time;
    const K = this.key;
    T[slot] = time;
    K[slot] = key;
    this.vb[slot] = v;
    if (v < this.cur) this.cur = v; // earlier than the bucket a peek moved to
    const b = v & this.mask; // v < 2^53: & takes its low 32 bits, so this is v mod nb
    const next = this.next;
    const last = this.tail[b] as number;
    if (last < 0) {
      this.head[b] = slot;
      this.tail[b] = slot;
      next[slot] = -1;
      return;
    }
    const lt = T[last] as number;
    if (time > lt || (time === lt && key > (K[last] as number))) {
      next[last] = slot;
      this.tail[b] = slot;
      next[slot] = -1;
      return;
    }
    let prev = -1;
    let at = this.head[b] as number;
    let steps = 1;
    for (;;) {
      const t = T[at] as number;
      if (t > time || (t === time && (K[at] as number) > key)) break;
      prev = at;
      at = next[at] as number; // the tail is later than the new entry, so this stops before the end
      steps++;
    }
    next[slot] = at;
    if (prev < 0) this.head[b] = slot;
    else next[prev] = slot;
    this.steps += steps;
  }

  /** The array bucket whose head is the least entry (and move `cur` to its bucket number); -1 when empty. */
  private findMin(): number {
    if (this.count === 0) return -1;
    const head = this.head;
    const vb = this.vb;
    const mask = this.mask;
    let v = this.cur;
    let scanned = 0;
    for (;;) {
      const b = v & mask;
      const h = head[b] as number;
      if (h >= 0 && vb[h] === v) {
        this.cur = v;
        this.steps += scanned;
        return b;
      }
      v++;
      if (++scanned === this.nb) {
        // A whole year without an entry: jump to the least one.
        v = this.vb[this.leastHead()] as number;
        this.steps += scanned;
        scanned = 0;
      }
    }
  }

  /** The least entry, by a look at every bucket's head (the head of each list is its least entry). */
  private leastHead(): number {
    const T = this.time;
    const K = this.key;
    let best = -1;
    for (let b = 0; b < this.nb; b++) {
      const h = this.head[b] as number;
      if (h < 0) continue;
      if (best < 0 || (T[h] as number) < (T[best] as number) || ((T[h] as number) === (T[best] as number) && (K[h] as number) < (K[best] as number))) best = h;
    }
    return best;
  }

  /**
   * Every few thousand removals: resize to the entry count, or choose the width anew when it is far from twice the
   * time between removals (then a removal scans about half a bucket and a bucket holds about two entries near the
   * front), or when steps pile up anyway.
   */
  private check(): void {
    const ops = this.pops;
    const steps = this.steps;
    this.steps = 0;
    this.pops = 0;
    const advanced = this.lastTime - this.checkTime;
    this.checkTime = this.lastTime;
    this.rateWidth = advanced > 0 ? (2 * advanced) / ops : 0;
    const rate = this.rateWidth;
    if (this.count * 2 < this.nb && this.nb > MIN_BUCKETS) this.rebuild(Math.max(MIN_BUCKETS, this.nb >> 1), this.chooseWidth());
    else if (rate > 0 && (this.width > 2 * rate || this.width * 2 < rate)) this.rebuild(this.nb, rate);
    else if (steps > ops * MAX_STEPS_PER_OP) this.rebuild(this.nb, 2 * this.sampleSpacing());
    // A rebuild costs O(entries + buckets): checking no more often than that keeps its cost per operation constant.
    this.checkEvery = Math.max(4_096, this.count, this.nb);
  }

  /** The width for a resize: from the rate of removals once measured, else from the spacing of the next events. */
  private chooseWidth(): number {
    return this.rateWidth > 0 ? this.rateWidth : 2 * this.sampleSpacing();
  }

  /** Re-bucket every entry into `nb` buckets of `width` (0: keep the width). */
  private rebuild(nb: number, width: number): void {
    if (nb !== this.nb) {
      this.nb = nb;
      this.mask = nb - 1;
      this.head = new Int32Array(nb);
      this.tail = new Int32Array(nb);
    }
    this.head.fill(-1);
    this.tail.fill(-1);
    if (width > 0) {
      this.width = width;
      this.inverse = 1 / width;
    }
    // Entries in slot order (reading the slot arrays front to back, not chasing the old lists around memory).
    this.cur = Number.POSITIVE_INFINITY;
    const vb = this.vb;
    for (let slot = 0; slot < this.slotLimit; slot++) {
      if ((vb[slot] as number) >= 0) this.place(slot, this.time[slot] as number, this.key[slot] as number);
    }
    if (this.count === 0) this.cur = 0;
    this.steps = 0;
  }

  /**
   * The average spacing of the next WIDTH_SAMPLE events, leaving out gaps more than twice the average (Brown, who
   * makes buckets three times that; here twice, as for the rate of removals, and once while entries are only being
   * added: then they keep getting denser until the next resize). 0 when they are too few or all at the same time
   * (then the width stays).
   */
  private sampleSpacing(): number {
    const n = Math.min(WIDTH_SAMPLE, this.count);
    if (n < 2) return 0;
    // The next n entries in order: take them out and put them back.
    const taken = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const b = this.findMin();
      const slot = this.head[b] as number;
      const after = this.next[slot] as number;
      this.head[b] = after;
      if (after < 0) this.tail[b] = -1;
      this.count--;
      taken[i] = slot;
    }
    for (let i = 0; i < n; i++) {
      const slot = taken[i] as number;
      this.place(slot, this.time[slot] as number, this.key[slot] as number);
      this.count++;
    }
    const T = this.time;
    const span = (T[taken[n - 1] as number] as number) - (T[taken[0] as number] as number);
    if (span <= 0) return 0;
    const average = span / (n - 1);
    let sum = 0;
    let gaps = 0;
    for (let i = 1; i < n; i++) {
      const gap = (T[taken[i] as number] as number) - (T[taken[i - 1] as number] as number);
      if (gap <= 2 * average) {
        sum += gap;
        gaps++;
      }
    }
    return gaps > 0 && sum > 0 ? sum / gaps : average;
  }
}
