/**
 * Indexes over a model's messages, built once per model (in the page, on first draw): what the message layer needs to
 * find the messages in a time window without scanning them all, and to count them per lane pair, type and status in
 * time bins with two binary searches per bin (so an aggregated view of a million messages costs what its pixels cost).
 */
import type { Model } from "./model.ts";

/** Messages lasting longer than the index's `longMicros` are at most this many (they are listed, not searched). */
export const LONG_MAX = 512;
/** The status of a slot's messages: delivered, dropped, still in flight when the run ended. */
export const DELIVERED = 0;
export const DROPPED = 1;
export const IN_FLIGHT = 2;

export interface MessageIndex {
  /** Send times in send order (the model's msgT0 when it is sorted, as traces are), and the message at each. */
  sendT: Float64Array;
  /** Message at each position of sendT; null when that is the identity (sendT is msgT0). */
  bySend: Int32Array | null;
  /**
   * Every message but the long ones lasts at most this long, so a window [t0, t1] meets only those sent in [t0 -
   * longMicros, t1].
   */
  longMicros: number;
  /** Messages lasting longer than longMicros, in send order. */
  long: Int32Array;
  /**
   * Slots: messages grouped by (from lane, to lane, type, status), long ones in slots of their own (slotLong).
   * Slot s owns positions slotStart[s] .. slotStart[s + 1] of `order`, in send order.
   */
  slots: number;
  slotFrom: Int32Array;
  slotTo: Int32Array;
  slotType: Int32Array;
  slotStatus: Uint8Array;
  slotLong: Uint8Array;
  slotStart: Int32Array;
  order: Int32Array;
  /**
   * Send time at each position of `order`, in single precision (to within 2^-24 of the time: 16us at 222 s). Used to
   * find bins, never to place a single message, which is drawn from the model's own columns.
   */
  orderT0: Float32Array;
  /** Prefix sums over `order` of each message's duration (arrival - send): a run's mean is one subtraction. */
  sumDelay: Float64Array;
}

type Times = Float64Array | Float32Array;

/** First position in a[lo, hi) whose value is >= v (hi if none). */
export function lowerBound(a: Times, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position in a[lo, hi) whose value is > v (hi if none). */
export function upperBound(a: Times, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isSorted(a: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if ((a[i] as number) < (a[i - 1] as number)) return false;
  return true;
}

/** log2 bucket of a duration: 0 for <= 1, else ceil(log2(d)) (integer arithmetic below 2^31). */
function bucket(d: number): number {
  if (d <= 1) return 0;
  if (d < 2 ** 31) {
    const n = Math.ceil(d);
    return 32 - Math.clz32(n - 1);
  }
  return Math.min(63, Math.ceil(Math.log2(d)));
}

/** The duration above which at most LONG_MAX messages last: a power of two, from a histogram of log2 durations. */
function longCutoff(t0: Float64Array, t1: Float64Array, n: number): number {
  const hist = new Int32Array(64);
  for (let k = 0; k < n; k++) {
    const b = bucket((t1[k] as number) - (t0[k] as number));
    hist[b] = (hist[b] as number) + 1;
  }
  // Walk down from the longest bucket while the messages above the cut stay within LONG_MAX.
  let above = 0;
  let b = 63;
  while (b > 0 && above + (hist[b] as number) <= LONG_MAX) above += hist[b--] as number;
  return 2 ** b;
}

/** Something derived from a model: built on first use, then kept for the model's lifetime. */
export function perModel<T>(build: (m: Model) => T): (m: Model) => T {
  const cache = new WeakMap<Model, T>();
  return (m) => {
    if (!cache.has(m)) cache.set(m, build(m));
    return cache.get(m) as T;
  };
}

/** The model's message index. */
export const messageIndex = perModel(buildMessageIndex);

export function buildMessageIndex(m: Model): MessageIndex {
  const n = m.msgCount;
  const { msgT0, msgT1, msgFrom, msgTo, msgType, msgStatus } = m;
  let sendT = msgT0.subarray(0, n);
  let bySend: Int32Array | null = null;
  if (!isSorted(sendT, n)) {
    bySend = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (msgT0[a] as number) - (msgT0[b] as number));
    sendT = Float64Array.from(bySend, (k) => msgT0[k] as number);
  }
  const longMicros = longCutoff(msgT0, msgT1, n);
  // Slot keys: ((from * lanes + to) * types + type) * 6 + status * 2 + long, looked up in a typed table.
  const lanes = m.lanes.length;
  const types = Math.max(1, m.types.length);
  const keys = lanes * lanes * types * 6;
  if (keys > 1 << 24) throw new Error(`message index: ${lanes} lanes x ${types} types is too many slot keys (${keys})`);
  const lookup = new Int32Array(keys).fill(-1);
  let counts: Int32Array = new Int32Array(64);
  let slotKey: Int32Array = new Int32Array(64);
  let slots = 0;
  const longList: number[] = [];
  const keyOf = (k: number) => {
    const from = msgFrom[k] as number;
    const to = msgTo[k] as number;
    if (from < 0 || to < 0) return -1;
    const isLong = (msgT1[k] as number) - (msgT0[k] as number) > longMicros ? 1 : 0;
    return ((from * lanes + to) * types + (msgType[k] as number)) * 6 + (msgStatus[k] as number) * 2 + isLong;
  };
  for (let p = 0; p < n; p++) {
    const k = bySend === null ? p : (bySend[p] as number);
    const key = keyOf(k);
    if (key < 0) continue;
    if (key % 2 === 1) longList.push(k);
    let s = lookup[key] as number;
    if (s < 0) {
      s = slots++;
      if (s === counts.length) {
        counts = grow(counts);
        slotKey = grow(slotKey);
      }
      slotKey[s] = key;
      lookup[key] = s;
    }
    counts[s] = (counts[s] as number) + 1;
  }
  const slotStart = new Int32Array(slots + 1);
  for (let s = 0; s < slots; s++) slotStart[s + 1] = (slotStart[s] as number) + (counts[s] as number);
  const fill = slotStart.slice(0, slots);
  const placed = slotStart[slots] as number;
  const order = new Int32Array(placed);
  const orderT0 = new Float32Array(placed);
  const sumDelay = new Float64Array(placed + 1);
  for (let p = 0; p < n; p++) {
    const k = bySend === null ? p : (bySend[p] as number);
    const key = keyOf(k);
    if (key < 0) continue;
    const s = lookup[key] as number;
    const at = fill[s] as number;
    fill[s] = at + 1;
    order[at] = k;
    orderT0[at] = msgT0[k] as number;
    // the durations, summed below
    sumDelay[at + 1] = (msgT1[k] as number) - (msgT0[k] as number);
  }
  for (let i = 1; i <= placed; i++) sumDelay[i] = (sumDelay[i] as number) + (sumDelay[i - 1] as number);
  const slotFrom = new Int32Array(slots);
  const slotTo = new Int32Array(slots);
  const slotType = new Int32Array(slots);
  const slotStatus = new Uint8Array(slots);
  const slotLong = new Uint8Array(slots);
  for (let s = 0; s < slots; s++) {
    let key = slotKey[s] as number;
    slotLong[s] = key % 2;
    slotStatus[s] = Math.floor(key / 2) % 3;
    key = Math.floor(key / 6);
    slotType[s] = key % types;
    key = Math.floor(key / types);
    slotTo[s] = key % lanes;
    slotFrom[s] = Math.floor(key / lanes);
  }
  return {
    sendT,
    bySend,
    longMicros,
    long: Int32Array.from(longList),
    slots,
    slotFrom,
    slotTo,
    slotType,
    slotStatus,
    slotLong,
    slotStart,
    order,
    orderT0,
    sumDelay,
  };
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
