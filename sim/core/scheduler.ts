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
   * The event `pop` returned last is still at the top of the heap. Its entry is removed lazily: if the handler
   * schedules an event, the new entry replaces it and sifts down once (instead of a sift down to remove the old top
   * plus a sift up to insert the new one); otherwise the next pop or peek removes it.
   */
  private consumed = false;

  constructor(
    private readonly maxPending: number = LIMITS.maxPendingEvents,
    initialCapacity = 1024,
  ) {
    assert(maxPending > 0 && maxPending < SLOT_SPACE, () => `maxPending must be in (0, ${SLOT_SPACE}), got ${maxPending}`);
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
    return this.size - this.cancelledPending - (this.consumed ? 1 : 0);
  }

  /** Schedule an event at absolute virtual time `at` (>= now). `kind` must be < 255. */
  schedule(at: Micros, kind: number, a = 0, b = 0, payload: unknown = undefined): EventHandle {
    if (at < this.now) at = this.now;
    if (this.size - (this.consumed ? 1 : 0) >= this.maxPending) {
      throw new LimitExceededError(
        "maxPending",
        this.maxPending,
        `more than ${this.maxPending} events pending at t=${this.now}us (limits.maxPending); the protocol may be scheduling without bound`,
      );
    }
    const slot = this.allocSlot();
    const key = this.nextKey(slot);
    this.fill(slot, kind, a, b, payload, key);
    if (this.consumed) {
      this.consumed = false;
      this.siftDown(at, key, this.size);
    } else this.push(at, key);
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
  reschedule(handle: EventHandle, dueAt: Micros, at: Micros, kind: number, a = 0, b = 0, payload: unknown = undefined): EventHandle {
    const slot = handle & SLOT_MASK;
    const d = this.sData;
    const o = slot * 4;
    if (at < this.now) at = this.now;
    if (slot < this.nextSlot && d[o + 3] === handle && at >= dueAt) {
      if (d[o] === CANCELLED) this.cancelledPending--;
      const key = this.nextKey(slot);
      if ((d[o] as number) >= HAS_PAYLOAD) this.sPayload[slot] = undefined; // the old payload, unless replaced below
      this.fill(slot, kind, a, b, payload, key);
      this.sDue[slot] = at;
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
    }
  }

  /** Time of the next live event, or Infinity when the queue is empty. Drops cancelled events from the top. */
  peekTime(): Micros {
    this.settle();
    while (this.size > 0) {
      const heapKey = this.heap[1] as number;
      const slot = heapKey & SLOT_MASK;
      const o = slot * 4;
      if (this.sData[o] !== CANCELLED) {
        const key = this.sData[o + 3] as number;
        if (key === heapKey) return this.heap[0] as number;
        this.siftDown(this.sDue[slot] as number, key, this.size);
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
    while (this.size > 0) {
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
        // Rescheduled later while waiting: back into the heap at the time it is due, with its newer key.
        this.siftDown(this.sDue[slot] as number, key, this.size);
        continue;
      }
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
      return true;
    }
    return false;
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
      throw new LimitExceededError("maxEvents", MAX_SEQ, `more than ${MAX_SEQ} events scheduled in one run (the scheduler's sequence space)`);
    }
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
    const cap = Math.min(this.slotCapacity * 4, SLOT_SPACE);
    this.slotCapacity = cap;
    this.heap = growFloat64(this.heap, cap * 2);
    this.sData = growFloat64(this.sData, cap * 4);
    this.sDue = growFloat64(this.sDue, cap);
    this.freeSlots = growInt32(this.freeSlots, cap);
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
