import { assert } from "./assert.ts";
import { LIMITS, LimitExceededError } from "./limits.ts";
import type { Micros } from "./types.ts";

/** Handle of a scheduled event: `seq * SLOT_SPACE + slot`. Pass it to `cancel`. */
export type EventHandle = number;

const SLOT_SPACE = 4_194_304; // 2^22: the most events that can be pending at once
const CANCELLED = 255;

/**
 * The event queue: a binary min-heap ordered by (time, seq) over typed arrays, no object per event.
 *
 * An event is (time, kind, a, b, payload): `kind` is a small integer the engine dispatches on, `a`/`b` are int32
 * arguments (node indices, message slots), `payload` an optional object. The heap holds (time, seq, slot) triples;
 * an event's kind and arguments live in slot arrays, so sift operations move three numbers and never allocate.
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

  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private size = 0;

  private sKind: Uint8Array;
  private sA: Int32Array;
  private sB: Int32Array;
  private sSeq: Float64Array;
  private sPayload: unknown[];
  private freeSlots: Int32Array;
  private freeCount = 0;
  private nextSlot = 0;
  private seq = 0;
  private cancelledPending = 0;

  constructor(
    private readonly maxPending: number = LIMITS.maxPendingEvents,
    initialCapacity = 1024,
  ) {
    assert(maxPending > 0 && maxPending < SLOT_SPACE, () => `maxPending must be in (0, ${SLOT_SPACE}), got ${maxPending}`);
    const cap = Math.max(16, Math.min(initialCapacity, maxPending));
    this.hTime = new Float64Array(cap);
    this.hSeq = new Float64Array(cap);
    this.hSlot = new Int32Array(cap);
    this.sKind = new Uint8Array(cap);
    this.sA = new Int32Array(cap);
    this.sB = new Int32Array(cap);
    this.sSeq = new Float64Array(cap);
    this.sPayload = new Array(cap).fill(undefined);
    this.freeSlots = new Int32Array(cap);
  }

  /** Events waiting in the queue, not counting cancelled ones. */
  get pending(): number {
    return this.size - this.cancelledPending;
  }

  /** Schedule an event at absolute virtual time `at` (>= now). `kind` must be < 255. */
  schedule(at: Micros, kind: number, a = 0, b = 0, payload: unknown = undefined): EventHandle {
    if (at < this.now) at = this.now;
    if (this.size >= this.maxPending) {
      throw new LimitExceededError(
        "maxPending",
        this.maxPending,
        `more than ${this.maxPending} events pending at t=${this.now}us (limits.maxPending); the protocol may be scheduling without bound`,
      );
    }
    const slot = this.allocSlot();
    const seq = this.seq++;
    this.sKind[slot] = kind;
    this.sA[slot] = a;
    this.sB[slot] = b;
    this.sSeq[slot] = seq;
    this.sPayload[slot] = payload;
    this.push(at, seq, slot);
    return seq * SLOT_SPACE + slot;
  }

  /** Cancel a scheduled event; cancelling one that already ran (or was cancelled) does nothing. */
  cancel(handle: EventHandle): void {
    const slot = handle % SLOT_SPACE;
    const seq = (handle - slot) / SLOT_SPACE;
    if (slot < this.nextSlot && this.sSeq[slot] === seq && this.sKind[slot] !== CANCELLED) {
      this.sKind[slot] = CANCELLED;
      this.sPayload[slot] = undefined;
      this.cancelledPending++;
    }
  }

  /** Time of the next live event, or Infinity when the queue is empty. Drops cancelled events from the top. */
  peekTime(): Micros {
    while (this.size > 0) {
      const slot = this.hSlot[0] as number;
      if (this.sKind[slot] !== CANCELLED) return this.hTime[0] as number;
      this.popTop();
      this.cancelledPending--;
      this.sSeq[slot] = -1;
      this.freeSlots[this.freeCount++] = slot;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Take the next live event: sets now, kind, a, b, payload. False when the queue is empty. */
  pop(): boolean {
    while (this.size > 0) {
      const time = this.hTime[0] as number;
      const slot = this.popTop();
      const kind = this.sKind[slot] as number;
      this.sSeq[slot] = -1;
      this.freeSlots[this.freeCount++] = slot;
      if (kind === CANCELLED) {
        this.cancelledPending--;
        continue;
      }
      this.now = time;
      this.kind = kind;
      this.a = this.sA[slot] as number;
      this.b = this.sB[slot] as number;
      this.payload = this.sPayload[slot];
      this.sPayload[slot] = undefined;
      this.processed++;
      return true;
    }
    return false;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    if (this.nextSlot === this.sKind.length) this.grow();
    return this.nextSlot++;
  }

  private grow(): void {
    const cap = Math.min(this.sKind.length * 2, SLOT_SPACE);
    const growF = (x: Float64Array) => {
      const y = new Float64Array(cap);
      y.set(x);
      return y;
    };
    const growI = (x: Int32Array) => {
      const y = new Int32Array(cap);
      y.set(x);
      return y;
    };
    this.hTime = growF(this.hTime);
    this.hSeq = growF(this.hSeq);
    this.hSlot = growI(this.hSlot);
    const kinds = new Uint8Array(cap);
    kinds.set(this.sKind);
    this.sKind = kinds;
    this.sA = growI(this.sA);
    this.sB = growI(this.sB);
    this.sSeq = growF(this.sSeq);
    this.freeSlots = growI(this.freeSlots);
    for (let i = this.sPayload.length; i < cap; i++) this.sPayload.push(undefined);
  }

  private push(time: number, seq: number, slot: number): void {
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = hTime[parent] as number;
      if (pt < time || (pt === time && (hSeq[parent] as number) < seq)) break;
      hTime[i] = pt;
      hSeq[i] = hSeq[parent] as number;
      hSlot[i] = hSlot[parent] as number;
      i = parent;
    }
    hTime[i] = time;
    hSeq[i] = seq;
    hSlot[i] = slot;
  }

  /** Remove the top of the heap and return its slot. */
  private popTop(): number {
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const top = hSlot[0] as number;
    const n = --this.size;
    if (n === 0) return top;
    const time = hTime[n] as number;
    const seq = hSeq[n] as number;
    const slot = hSlot[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = hTime[c] as number;
      let cs = hSeq[c] as number;
      const r = c + 1;
      if (r < n) {
        const rt = hTime[r] as number;
        const rs = hSeq[r] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      hTime[i] = ct;
      hSeq[i] = cs;
      hSlot[i] = hSlot[c] as number;
      i = c;
    }
    hTime[i] = time;
    hSeq[i] = seq;
    hSlot[i] = slot;
    return top;
  }
}
