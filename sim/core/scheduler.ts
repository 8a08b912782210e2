import { assert } from "./assert.ts";
import { LIMITS, LimitExceededError } from "./limits.ts";
import { growFloat64, growInt32 } from "./typed.ts";
import type { Micros } from "./types.ts";

/** Handle of a scheduled event: `seq * SLOT_SPACE + slot`. Pass it to `cancel`. */
export type EventHandle = number;

const SLOT_SPACE = 4_194_304; // 2^22: the most events that can be pending at once
const SLOT_MASK = SLOT_SPACE - 1; // key & SLOT_MASK is the slot: & takes the low 32 bits, exact for keys < 2^53
/** Keys (seq * 2^22 + slot) stay below 2^53, so seq stays below 2^31. */
const MAX_SEQ = 2 ** 31;
const CANCELLED = 255;
/**
 * Added to a slot's kind when the event has a payload. Most events carry none (deliveries and timers keep their
 * arguments in a and b), and then `pop` does not read the payload array: at 1e6 pending each slot is a cache miss.
 */
const HAS_PAYLOAD = 256;
/** Heap entries above which far-future entries move out to buckets (see `spill`). */
const NEAR_LIMIT = 8192;
/** Entries per bucket a layout aims at: a drained bucket is a heap that fits in the caches. */
const BUCKET_TARGET = 128;
const MAX_BUCKETS = 1 << 16;
/** (time, key) entries per chunk of a bucket's list. */
const CHUNK = 64;
/**
 * Buckets cover due times below this (2^52 us, 142 years): their edges, start + k * width, must be exact. Later events
 * (a timer set for "never", 1e18 us ahead) wait in the overflow, and a layout whose earliest entry is due that late
 * returns to the heap alone, which compares any times exactly as floats.
 */
const TIER_LIMIT = 2 ** 52;

/**
 * The time an event due "at Infinity" gets (a latency or timer delay so long it overflowed): the largest finite time,
 * later than any run, so it never fires, and comparable exactly. NaN is a bug in the caller.
 */
function never(at: number): number {
  if (Number.isNaN(at)) assert(false, "scheduler: event time is NaN");
  return Number.MAX_VALUE;
}

/** Tuning for tests: small limits make the bucket machinery run on small inputs. */
export interface SchedulerTuning {
  nearLimit?: number;
  bucketTarget?: number;
}

/**
 * The event queue: a 4-ary min-heap ordered by (time, seq) over typed arrays, no object per event.
 *
 * An event is (time, kind, a, b, payload): `kind` is a small integer the engine dispatches on, `a`/`b` are int32
 * arguments (node indices, message slots, timer ids), `payload` an optional object (kept apart, and read only by
 * events that have one). The heap holds (time, key) pairs, the key
 * being the handle; an event's kind and arguments live in slot arrays, so sift operations move two numbers and never
 * allocate.
 * Cancellation is lazy: the slot is marked and skipped when it reaches the top.
 *
 * Many pending events (more than NEAR_LIMIT in the heap) switch on a second tier, as in a calendar or ladder queue:
 * the heap keeps only the entries due before a horizon, and later ones wait, unsorted, in buckets of equal time width
 * (plus an overflow list past the last bucket). When the heap runs dry, the next bucket is drained into it. At 1e6
 * pending a heap operation walked ten levels, most of them cache misses; now scheduling a far event appends to its
 * bucket, and the heap a pop works on holds one bucket (~BUCKET_TARGET entries), which stays in the caches. The pop
 * order is the same: entries are only ever compared by (time, key), and a bucket holds nothing due before the
 * horizon.
 *
 * Ties in time break by seq, the order in which events were scheduled: deterministic for a deterministic caller.
 */
export class Scheduler {
  /** Virtual time of the event being processed (or of the last one). */
  now: Micros = 0;
  /** Fields of the event `pop()` just returned. */
  kind = 0;
  a = 0;
  b = 0;
  payload: unknown = undefined;
  /** Events popped so far (cancelled ones excluded). */
  processed = 0;

  /**
   * The heap, interleaved: (time, key) per entry, 16 bytes, so the four children of an entry span 64 bytes. The key
   * is the event's handle, seq * 2^22 + slot: ordering by key is ordering by seq, and the slot is its low 22 bits.
   */
  private heap: Float64Array;
  private size = 0;

  /**
   * Slot data, interleaved: slot i occupies sData[4i..4i+3] = (kind, a, b, key), so scheduling, cancelling and popping
   * an event touch one cache line of slot data instead of four arrays (measured: the difference at 1e6 pending).
   * key is the handle the slot's event has now, or -1 when the slot is free.
   */
  private sData: Float64Array;
  /**
   * The time a lazily rescheduled event is really due (its heap entry is earlier, with an older key). Written only by
   * `reschedule` and read only when such an entry surfaces, so plain events never touch it.
   */
  private sDue: Float64Array;
  private sPayload: unknown[];
  private slotCapacity: number;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private nextSlot = 0;
  private seq = 0;
  private cancelledPending = 0;
  /**
   * Heap and bucket entries, live or cancelled, at which cancelled ones are dropped (`purge`): twice maxPending, so
   * a purge frees at least as many entries as it keeps (O(1) amortised), but below 2^22 slots, so above 2^21 pending
   * a purge frees fewer (at the loader's cap of 4,000,000 still at least ~194K, one purge per as many schedules).
   */
  private readonly maxEntries: number;
  /**
   * The event `pop` returned last is still at the top of the heap. Its entry is removed lazily: if the handler
   * schedules an event, the new entry replaces it and sifts down once (instead of a sift down to remove the old top
   * plus a sift up to insert the new one); otherwise the next pop or peek removes it.
   */
  private consumed = false;

  /** Entries due before the horizon are in the heap, later ones in buckets (Infinity: the heap alone, no buckets). */
  private horizon = Number.POSITIVE_INFINITY;
  /** Entries in buckets and the overflow list. */
  private far = 0;
  /**
   * Heap size at which `spill` runs next (raised after a spill or drain, so a spill that cannot help is not repeated).
   */
  private nearLimit: number;
  private readonly nearBase: number;
  private readonly bucketTarget: number;
  /**
   * Bucket k (0 <= k < bCount) holds entries due in [bStart + k bWidth, bStart + (k + 1) bWidth); bucket bCount is the
   * overflow, entries due at or after the last bucket's end. Buckets below bNext have been drained, and the horizon
   * is bStart + bNext bWidth. A bucket is a list of chunks (bHead/bTail: chunk indices, -1 when empty).
   */
  private bStart = 0;
  private bWidth = 1;
  /** The latest due time in a bucket (while any entry is in one). */
  private farMax = Number.NEGATIVE_INFINITY;
  /** Entries pending when the buckets were laid out. */
  private laidOutFor = 0;
  private bCount = 0;
  private bNext = 0;
  private bHead = new Int32Array(1).fill(-1);
  private bTail = new Int32Array(1).fill(-1);
  /**
   * The chunk pool: CHUNK (time, key) pairs per chunk, its fill, the next chunk in its list; freed chunks form a list.
   */
  private cData = new Float64Array(0);
  private cLen = new Int32Array(0);
  private cNext = new Int32Array(0);
  private cFree = -1;
  private cCount = 0;

  constructor(
    private readonly maxPending: number = LIMITS.maxPendingEvents,
    initialCapacity = 1024,
    tuning: SchedulerTuning = {},
  ) {
    this.nearBase = Math.max(2, tuning.nearLimit ?? NEAR_LIMIT);
    this.nearLimit = this.nearBase;
    this.bucketTarget = Math.max(1, tuning.bucketTarget ?? BUCKET_TARGET);
    assert(
      maxPending > 0 && maxPending < SLOT_SPACE,
      () => `maxPending must be in (0, ${SLOT_SPACE}), got ${maxPending}`,
    );
    this.maxEntries = Math.min(2 * maxPending, SLOT_SPACE - 1);
    const cap = Math.max(16, Math.min(initialCapacity, maxPending));
    this.heap = new Float64Array(cap * 2);
    this.sData = new Float64Array(cap * 4);
    this.sDue = new Float64Array(cap);
    this.slotCapacity = cap;
    this.sPayload = new Array(cap).fill(undefined);
    this.freeSlots = new Int32Array(cap);
  }

  /** Events waiting in the queue, not counting cancelled ones. */
  get pending(): number {
    return this.size + this.far - this.cancelledPending - (this.consumed ? 1 : 0);
  }

  /** Schedule an event at absolute virtual time `at` (>= now). `kind` must be < 255. */
  schedule(at: Micros, kind: number, a = 0, b = 0, payload: unknown = undefined): EventHandle {
    if (!(kind >= 0 && kind < CANCELLED))
      assert(false, `scheduler: event kind must be in [0, ${CANCELLED}), got ${kind}`);
    if (!(at < Number.POSITIVE_INFINITY)) at = never(at);
    if (at < this.now) at = this.now;
    const entries = this.size + this.far - (this.consumed ? 1 : 0);
    if (entries >= this.maxPending) {
      // Cancelled events keep their entries until they surface: they do not count, but their entries stay bounded.
      if (entries - this.cancelledPending >= this.maxPending) {
        throw new LimitExceededError(
          "maxPending",
          this.maxPending,
          `more than ${this.maxPending} events pending at t=${this.now}us (limits.maxPending); the protocol` +
            ` may be scheduling without bound`,
        );
      }
      if (entries >= this.maxEntries) this.purge();
    }
    const slot = this.allocSlot();
    const key = this.nextKey(slot);
    this.fill(slot, kind, a, b, payload, key);
    if (this.consumed) {
      this.consumed = false;
      if (at < this.horizon) this.siftDown(at, key, this.size);
      else {
        this.popTop();
        this.toBucket(at, key);
      }
    } else this.insert(at, key);
    if (!(this.size + this.far <= this.maxEntries + 1))
      assert(false, `scheduler: ${this.size + this.far} entries, above the bound ${this.maxEntries}`);
    return key;
  }

  /**
   * Move a scheduled event to time `at` (a re-armed timer), returning its new handle. The order is exactly that of
   * cancel + schedule (the event takes a fresh seq), but when the new time is not earlier than the time it was due,
   * its heap entry stays where it is and is re-inserted at the new time when it surfaces: a retry timer pushed out
   * on every message costs one heap operation per expiry instead of one per re-arm. A stale handle schedules anew.
   * `dueAt` is the time the event is due now (what it was last scheduled or rescheduled for).
   *
   * A cancelled event whose entry has not surfaced yet is revived the same way (its handle and the time it was due
   * when cancelled): the order is again that of a fresh schedule. The workload's per-op timeout uses this, so a
   * completed op's timeout is re-armed for the client's next op instead of lingering in the heap as a cancelled
   * entry (at 1,000 ops/s with a 2 s timeout that was ~2,000 dead entries, each pushed and later popped).
   */
  reschedule(
    handle: EventHandle,
    dueAt: Micros,
    at: Micros,
    kind: number,
    a = 0,
    b = 0,
    payload: unknown = undefined,
  ): EventHandle {
    if (!(kind >= 0 && kind < CANCELLED))
      assert(false, `scheduler: event kind must be in [0, ${CANCELLED}), got ${kind}`);
    const slot = handle & SLOT_MASK;
    const d = this.sData;
    const o = slot * 4;
    if (!(at < Number.POSITIVE_INFINITY)) at = never(at);
    if (at < this.now) at = this.now;
    // A cancelled event revived at the pending bound goes through `schedule`, which refuses it: it would be one too
    // many.
    if (
      slot < this.nextSlot &&
      d[o + 3] === handle &&
      at >= dueAt &&
      (d[o] !== CANCELLED || this.pending < this.maxPending)
    ) {
      if (d[o] === CANCELLED) this.cancelledPending--;
      const key = this.nextKey(slot);
      if ((d[o] as number) >= HAS_PAYLOAD) this.sPayload[slot] = undefined; // the old payload, unless replaced below
      this.fill(slot, kind, a, b, payload, key);
      this.sDue[slot] = at;
      if (!(at >= this.now)) assert(false, `scheduler: rescheduled to ${at}us, before now (${this.now}us)`);
      return key;
    }
    this.cancel(handle);
    return this.schedule(at, kind, a, b, payload);
  }

  /** Cancel a scheduled event; cancelling one that already ran (or was cancelled) does nothing. */
  cancel(handle: EventHandle): void {
    const slot = handle & SLOT_MASK;
    const o = slot * 4;
    if (slot < this.nextSlot && this.sData[o + 3] === handle && this.sData[o] !== CANCELLED) {
      if ((this.sData[o] as number) >= HAS_PAYLOAD) this.sPayload[slot] = undefined;
      this.sData[o] = CANCELLED;
      this.cancelledPending++;
      if (!(this.cancelledPending <= this.size + this.far))
        assert(false, `scheduler: ${this.cancelledPending} cancelled events but ${this.size + this.far} entries`);
    }
  }

  /** Time of the next live event, or Infinity when the queue is empty. Drops cancelled events from the top. */
  peekTime(): Micros {
    this.settle();
    for (;;) {
      if (this.size === 0) {
        if (this.far === 0) break;
        this.refill();
        continue;
      }
      const heapKey = this.heap[1] as number;
      const slot = heapKey & SLOT_MASK;
      const o = slot * 4;
      if (this.sData[o] !== CANCELLED) {
        const key = this.sData[o + 3] as number;
        if (key === heapKey) return this.heap[0] as number;
        this.resurface(this.sDue[slot] as number, key);
        continue;
      }
      this.popTop();
      this.cancelledPending--;
      this.sData[o + 3] = -1;
      this.freeSlots[this.freeCount++] = slot;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Take the next live event: sets now, kind, a, b, payload. False when the queue is empty. */
  pop(): boolean {
    this.settle();
    for (;;) {
      if (this.size === 0) {
        if (this.far === 0) return false;
        this.refill();
        continue;
      }
      const time = this.heap[0] as number;
      const heapKey = this.heap[1] as number;
      const slot = heapKey & SLOT_MASK;
      const d = this.sData;
      const o = slot * 4;
      const kind = d[o] as number;
      if (kind === CANCELLED) {
        this.popTop();
        d[o + 3] = -1;
        this.freeSlots[this.freeCount++] = slot;
        this.cancelledPending--;
        continue;
      }
      const key = d[o + 3] as number;
      if (key !== heapKey) {
        // Rescheduled later while waiting: back in at the time it is due, with its newer key.
        this.resurface(this.sDue[slot] as number, key);
        continue;
      }
      // Time never goes backwards: the heap and the buckets give entries in (time, key) order.
      if (!(time >= this.now)) assert(false, `scheduler: event at ${time}us popped after time ${this.now}us`);
      this.consumed = true;
      d[o + 3] = -1;
      this.freeSlots[this.freeCount++] = slot;
      this.now = time;
      this.a = d[o + 1] as number;
      this.b = d[o + 2] as number;
      if (kind < HAS_PAYLOAD) {
        this.kind = kind;
        this.payload = undefined;
      } else {
        this.kind = kind - HAS_PAYLOAD;
        this.payload = this.sPayload[slot];
        this.sPayload[slot] = undefined;
      }
      this.processed++;
      if (!(this.cancelledPending >= 0)) assert(false, `scheduler: ${this.cancelledPending} cancelled events pending`);
      return true;
    }
  }

  /**
   * Drop every cancelled entry from the heap and the buckets and free their slots (at the pending bound, where their
   * entries would otherwise fill the queue). Pop order is unchanged: entries are only ever compared by (time, key).
   */
  private purge(): void {
    this.settle();
    const d = this.sData;
    const h = this.heap;
    const n = this.size;
    // Live heap entries, rebuilt into a heap in place (entry j is read before push writes index size <= j).
    this.size = 0;
    for (let j = 0; j < n; j++) {
      const key = h[j * 2 + 1] as number;
      const slot = key & SLOT_MASK;
      if (d[slot * 4] === CANCELLED) this.release(slot);
      else this.push(h[j * 2] as number, key);
    }
    // Live bucket entries, compacted within their chunks (a chunk may be left partly filled, or empty).
    for (let k = 0; k <= this.bCount; k++) {
      for (let c = this.bHead[k] as number; c >= 0; c = this.cNext[c] as number) {
        const m = this.cLen[c] as number;
        let kept = 0;
        for (let i = 0; i < m; i++) {
          const o = (c * CHUNK + i) * 2;
          const key = this.cData[o + 1] as number;
          const slot = key & SLOT_MASK;
          if (d[slot * 4] === CANCELLED) {
            this.release(slot);
            this.far--;
            continue;
          }
          const w = (c * CHUNK + kept++) * 2;
          this.cData[w] = this.cData[o] as number;
          this.cData[w + 1] = key;
        }
        this.cLen[c] = kept;
      }
    }
  }

  /** Free the slot of a cancelled event whose entry was dropped. */
  private release(slot: number): void {
    this.sData[slot * 4 + 3] = -1;
    this.freeSlots[this.freeCount++] = slot;
    this.cancelledPending--;
  }

  /** Write an event into its slot: kind (flagged when there is a payload), arguments, handle, payload. */
  private fill(slot: number, kind: number, a: number, b: number, payload: unknown, key: number): void {
    const d = this.sData;
    const o = slot * 4;
    d[o + 1] = a;
    d[o + 2] = b;
    d[o + 3] = key;
    if (payload === undefined) d[o] = kind;
    else {
      d[o] = kind + HAS_PAYLOAD;
      this.sPayload[slot] = payload;
    }
  }

  /** Remove the entry of the event popped last, if no new event took its place. */
  private settle(): void {
    if (this.consumed) {
      this.consumed = false;
      this.popTop();
    }
  }

  private nextKey(slot: number): number {
    const seq = this.seq++;
    if (seq >= MAX_SEQ) {
      throw new LimitExceededError(
        "maxEvents",
        MAX_SEQ,
        `more than ${MAX_SEQ} events scheduled in one run (the scheduler's sequence space)`,
      );
    }
    if (!(slot >= 0 && slot < this.slotCapacity))
      assert(false, `scheduler: slot ${slot} outside the ${this.slotCapacity} allocated`);
    return seq * SLOT_SPACE + slot;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    if (this.nextSlot === this.slotCapacity) this.grow();
    const slot = this.nextSlot++;
    // Payloads grow one slot at a time (a JS array amortises that), so capacity reserved ahead costs nothing here.
    if (slot === this.sPayload.length) this.sPayload.push(undefined);
    return slot;
  }

  /**
   * Capacity grows fourfold: the pages of a fresh typed array are committed only when first written, so capacity
   * reserved ahead costs no memory, while each growth copies (and faults in) everything so far. At 1e6 pending,
   * doubling made setting up the timers cost twice as much as the timers themselves (measured: 1e6 pushes 550-800 ms
   * doubling, ~300 ms growing fourfold, ~230 ms pre-sized).
   */
  private grow(): void {
    assert(this.slotCapacity < SLOT_SPACE, () => `scheduler: cannot grow past ${SLOT_SPACE} slots`);
    const cap = Math.min(this.slotCapacity * 4, SLOT_SPACE);
    this.slotCapacity = cap;
    this.heap = growFloat64(this.heap, cap * 2);
    this.sData = growFloat64(this.sData, cap * 4);
    this.sDue = growFloat64(this.sDue, cap);
    this.freeSlots = growInt32(this.freeSlots, cap);
    assert(this.heap.length === cap * 2 && this.sData.length === cap * 4, "scheduler: arrays grown to the capacity");
  }

  /** Replace the heap's top by (time, key), an entry that surfaced early (rescheduled later while it waited). */
  private resurface(time: number, key: number): void {
    if (time < this.horizon) this.siftDown(time, key, this.size);
    else {
      this.popTop();
      this.toBucket(time, key);
    }
  }

  /** Add an entry: to the heap if due before the horizon (spilling when the heap grew too big), else to its bucket. */
  private insert(time: number, key: number): void {
    if (time >= this.horizon) return this.toBucket(time, key);
    this.push(time, key);
    if (this.size > this.nearLimit) this.spill();
  }

  // --- the bucket tier ---------------------------------------------------------------------------------------------

  /** Append an entry due at or after the horizon to its bucket (or the overflow). */
  private toBucket(time: number, key: number): void {
    const start = this.bStart;
    const width = this.bWidth;
    let k = Math.floor((time - start) / width);
    // The float division may round across a bucket boundary; the products are exact (integers below 2^53).
    if (start + k * width > time) k--;
    else if (start + (k + 1) * width <= time) k++;
    if (k > this.bCount) k = this.bCount;
    if (!(k >= this.bNext && time >= this.horizon))
      assert(false, `scheduler: entry due ${time}us filed in drained bucket ${k} (next ${this.bNext})`);
    this.append(k, time, key);
    this.far++;
    if (time > this.farMax) this.farMax = time;
  }

  private append(k: number, time: number, key: number): void {
    let c = this.bTail[k] as number;
    if (c < 0 || this.cLen[c] === CHUNK) {
      const fresh = this.newChunk();
      if (c < 0) this.bHead[k] = fresh;
      else this.cNext[c] = fresh;
      this.bTail[k] = fresh;
      c = fresh;
    }
    const i = (this.cLen[c] as number) + 1;
    this.cLen[c] = i;
    const o = (c * CHUNK + i - 1) * 2;
    this.cData[o] = time;
    this.cData[o + 1] = key;
  }

  private newChunk(): number {
    let c = this.cFree;
    if (c >= 0) this.cFree = this.cNext[c] as number;
    else {
      c = this.cCount++;
      if (c === this.cLen.length) {
        const cap = Math.max(16, c * 4);
        this.cData = growFloat64(this.cData, cap * CHUNK * 2);
        this.cLen = growInt32(this.cLen, cap);
        this.cNext = growInt32(this.cNext, cap);
      }
    }
    this.cLen[c] = 0;
    this.cNext[c] = -1;
    return c;
  }

  /** Detach bucket k's chunk list (returns its head, -1 if empty). */
  private take(k: number): number {
    const head = this.bHead[k] as number;
    this.bHead[k] = -1;
    this.bTail[k] = -1;
    return head;
  }

  /** The heap ran dry while entries wait in buckets: drain the next non-empty bucket into it. */
  private refill(): void {
    while (this.bNext < this.bCount && (this.bHead[this.bNext] as number) < 0) this.bNext++;
    // Every bucket is drained: lay new ones over the overflow (the heap then holds at least its earliest entry).
    if (this.bNext === this.bCount) return this.layout();
    const k = this.bNext++;
    this.horizon = this.bStart + this.bNext * this.bWidth;
    this.far -= this.pour(this.take(k)); // all due before the new horizon: into the heap
    // A crowded bucket from a layout made for far fewer entries (a burst of scheduling since): lay them out anew.
    if (this.size > this.nearBase && this.size + this.far > 2 * this.laidOutFor) return this.layout();
    this.nearLimit = Math.max(this.nearBase, this.size * 2);
  }

  /**
   * Put every entry of the chunk list at `head` where it belongs now (the heap if due before the horizon, else its
   * bucket), freeing the chunks as it goes; returns how many entries there were. Chunks are freed only once read, so
   * the buckets may reuse them while the list is still being walked.
   */
  private pour(head: number): number {
    let count = 0;
    for (let c = head; c >= 0; c = this.freeChunk(c)) {
      const m = this.cLen[c] as number;
      for (let i = 0; i < m; i++) {
        const t = this.cData[(c * CHUNK + i) * 2] as number;
        const key = this.cData[(c * CHUNK + i) * 2 + 1] as number;
        if (t < this.horizon) this.push(t, key);
        else this.toBucket(t, key);
      }
      count += m;
    }
    return count;
  }

  /** Return chunk c to the free list; returns the chunk that followed it. */
  private freeChunk(c: number): number {
    const next = this.cNext[c] as number;
    this.cNext[c] = this.cFree;
    this.cFree = c;
    return next;
  }

  /**
   * The heap outgrew its limit: lay buckets anew over everything pending, keeping in the heap only the first, unless
   * that would keep most of the heap anyway (a burst of events close together, among others spread far wider: a
   * layout over all of them would put the whole burst in its first bucket). Then the heap just grows. Either way the
   * next spill waits until the heap doubles, so the O(pending) layouts cost O(1) per event scheduled, amortised.
   */
  private spill(): void {
    const h = this.heap;
    const n = this.size;
    let hi = this.far > 0 ? this.farMax : Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if ((h[i * 2] as number) > hi) hi = h[i * 2] as number;
    const lo = h[0] as number;
    const horizon = lo + this.widthFor(lo, hi, n + this.far);
    let kept = 0;
    for (let i = 0; i < n; i++) if ((h[i * 2] as number) < horizon) kept++;
    if (kept <= n / 2) this.layout();
    else this.nearLimit = n * 2;
  }

  /** The bucket width a layout over `total` entries due from lo to hi uses, and the number of buckets. */
  private widthFor(lo: number, hi: number, total: number): number {
    return Math.max(1, Math.ceil((Math.min(hi, TIER_LIMIT - 1) - lo + 1) / this.countFor(total)));
  }
  private countFor(total: number): number {
    return Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(total / this.bucketTarget)));
  }

  /**
   * Lay buckets over every entry (heap, buckets, overflow): from the earliest due time to the latest, about
   * bucketTarget entries per bucket if they were spread evenly. The heap keeps the first bucket's entries, and the next
   * spill waits until it doubles.
   */
  private layout(): void {
    // Gather every waiting entry into one list (the old buckets' lists, linked end to end).
    let head = -1;
    let tail = -1;
    for (let k = 0; k <= this.bCount; k++) {
      const last = this.bTail[k] as number;
      const first = this.take(k);
      if (first < 0) continue;
      if (head < 0) head = first;
      else this.cNext[tail] = first;
      tail = last;
    }
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const h = this.heap;
    for (let i = 0; i < this.size; i++) {
      const t = h[i * 2] as number;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    for (let c = head; c >= 0; c = this.cNext[c] as number) {
      const n = this.cLen[c] as number;
      for (let i = 0; i < n; i++) {
        const t = this.cData[(c * CHUNK + i) * 2] as number;
        if (t < lo) lo = t;
        if (t > hi) hi = t;
      }
    }
    const total = this.size + this.far;
    this.laidOutFor = total;
    this.far = 0;
    this.farMax = Number.NEGATIVE_INFINITY;
    if (total <= this.nearBase || lo >= TIER_LIMIT) {
      // Few enough for the heap alone (after a burst, a quiet spell must not lay out buckets at every event), or all
      // due too late for exact bucket edges: everything back into the heap, no horizon.
      this.horizon = Number.POSITIVE_INFINITY;
      this.bCount = 0;
      this.bNext = 0;
    } else {
      const count = this.countFor(total);
      if (this.bHead.length < count + 1) {
        this.bHead = new Int32Array(count + 1).fill(-1);
        this.bTail = new Int32Array(count + 1).fill(-1);
      }
      this.bCount = count;
      this.bStart = lo;
      this.bWidth = this.widthFor(lo, hi, total);
      this.bNext = 1;
      this.horizon = lo + this.bWidth;
      // The heap keeps its entries due before the new horizon. Rebuilt in place: entry j is read before push writes
      // index size <= j.
      const n = this.size;
      this.size = 0;
      for (let j = 0; j < n; j++) {
        const t = h[j * 2] as number;
        const key = h[j * 2 + 1] as number;
        if (t < this.horizon) this.push(t, key);
        else this.toBucket(t, key);
      }
    }
    this.pour(head);
    this.nearLimit = Math.max(this.nearBase, this.size * 2);
  }

  /*
   * The heap is 4-ary and interleaved: entry i occupies h[2i..2i+1] = (time, key), and the four children of i are
   * adjacent (64 bytes), so a sift step touches one or two cache lines. At 1e6 pending this is about twice as fast
   * as a binary heap over separate arrays, and 16-byte entries beat the earlier 24-byte (time, seq, slot) ones.
   */
  private push(time: number, key: number): void {
    const h = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const p2 = parent * 2;
      const pt = h[p2] as number;
      if (pt < time || (pt === time && (h[p2 + 1] as number) < key)) break;
      h[i * 2] = pt;
      h[i * 2 + 1] = h[p2 + 1] as number;
      i = parent;
    }
    h[i * 2] = time;
    h[i * 2 + 1] = key;
    if (!(this.size * 2 <= h.length)) assert(false, `scheduler: heap of ${this.size} entries overflows its array`);
  }

  /** Remove the top of the heap. */
  private popTop(): void {
    const n = --this.size;
    if (n === 0) return;
    this.siftDown(this.heap[n * 2] as number, this.heap[n * 2 + 1] as number, n);
  }

  /** Put (time, key) at the root, replacing what is there, and sift it down among the first n entries. */
  private siftDown(time: number, key: number, n: number): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let best = first;
      let bt = h[first * 2] as number;
      let bk = h[first * 2 + 1] as number;
      const last = Math.min(first + 4, n);
      for (let c = first + 1; c < last; c++) {
        const ct = h[c * 2] as number;
        if (ct < bt || (ct === bt && (h[c * 2 + 1] as number) < bk)) {
          best = c;
          bt = ct;
          bk = h[c * 2 + 1] as number;
        }
      }
      if (time < bt || (time === bt && key < bk)) break;
      h[i * 2] = bt;
      h[i * 2 + 1] = bk;
      i = best;
    }
    h[i * 2] = time;
    h[i * 2 + 1] = key;
  }
}
