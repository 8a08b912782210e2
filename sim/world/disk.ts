import { assert } from "../core/assert.ts";
import { CORRUPT } from "../core/protocol.ts";
import type { DiskFaultKind } from "../trace/events.ts";

/**
 * A value stored as JSON text, with the checksum written with it. Computing a checksum for every write would cost as
 * much as the write itself, and a value can only be damaged by a disk fault, so the checksum is taken lazily: an
 * intact value carries none (-1), and a fault that damages a value first records the checksum of the original text.
 * Reads then behave exactly as if every write had been checksummed.
 */
class JsonText {
  constructor(
    readonly text: string,
    readonly sum: number,
  ) {}
}

/** FNV-1a over UTF-16 code units: cheap, deterministic, good enough to detect a damaged value. */
export function checksum(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Is v immutable all the way down (a primitive, or a frozen object or array of such)? Such a value can be stored and
 * handed back by reference: nobody can change it, so a copy would be indistinguishable.
 */
function deeplyFrozen(v: unknown, depth: number): boolean {
  if (typeof v !== "object" || v === null) return typeof v !== "function";
  if (depth > 8 || !Object.isFrozen(v)) return false;
  // Primitives are decided here rather than by a call each: most values in a log entry are numbers and strings.
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === "object" ? x !== null && !deeplyFrozen(x, depth + 1) : typeof x === "function") return false;
    }
  } else {
    for (const key in v) {
      const x = (v as Record<string, unknown>)[key];
      if (typeof x === "object" ? x !== null && !deeplyFrozen(x, depth + 1) : typeof x === "function") return false;
    }
  }
  return true;
}

/**
 * The values most recently found deeply frozen, newest last in a ring. Freezing cannot be undone, so a value once
 * found deeply frozen stays so: when several disks store the same array (a Raft leader's log chunk is the very array
 * its followers receive and store), only the first walks it. Identity comparisons over a short ring cost less than
 * one walk; the cache changes no result, only how it is found.
 */
const RECENT_FROZEN = 32;
const recentFrozen: unknown[] = new Array(RECENT_FROZEN).fill(undefined);
let recentFrozenNext = 0;

function storableByReference(v: object): boolean {
  for (let i = 0; i < RECENT_FROZEN; i++) if (recentFrozen[i] === v) return true;
  if (!(Array.isArray(v) ? arrayDeeplyFrozen(v) : deeplyFrozen(v, 0))) return false;
  if (!(recentFrozenNext >= 0 && recentFrozenNext < RECENT_FROZEN))
    assert(false, () => `disk: frozen ring position ${recentFrozenNext} of ${RECENT_FROZEN}`);
  recentFrozen[recentFrozenNext] = v;
  recentFrozenNext = (recentFrozenNext + 1) % RECENT_FROZEN;
  if (recentFrozen[(recentFrozenNext + RECENT_FROZEN - 1) % RECENT_FROZEN] !== v)
    assert(false, "disk: a value found deeply frozen is the ring's newest");
  return true;
}

/**
 * The object elements of arrays most recently found deeply frozen, in the order they were found (a ring). A new array
 * often holds a run of elements already checked as part of another: a Raft leader re-sends a follower that rejected an
 * AppendEntries everything from its end (entries it sent before, in order, now in one new array), and a follower that
 * held a prefix stores its own slice of entries it received. In raft-5 such arrays were 70% of the 427,000 entries
 * walked (found again 32-128 elements back, 99% of them; 128 bounds the search for an array of new ones). An array is
 * checked element by element: an element found in the ring starts a run, which continues while the array's next element
 * is the ring's next; an element not found is walked and remembered. Only the first element of a run is searched for
 * (newest first), and at most RUN_SEARCHES runs per array, so an array of new elements (a leader's fresh chunk) costs
 * one search. Like the ring above, this changes no result.
 */
const RECENT_ELEMENTS = 128; // a power of two
const RECENT_MASK = RECENT_ELEMENTS - 1;
const RUN_SEARCHES = 4;
const recentElements: unknown[] = new Array(RECENT_ELEMENTS).fill(undefined);
let recentElementsNext = 0;

function arrayDeeplyFrozen(v: readonly unknown[]): boolean {
  if (!Object.isFrozen(v)) return false;
  let searches = 0;
  /** Ring position expected to hold the next element (the run being followed), or -1. */
  let at = -1;
  for (let k = 0; k < v.length; k++) {
    const x = v[k];
    if (typeof x !== "object" || x === null) {
      if (typeof x === "function") return false;
      continue;
    }
    if (at >= 0 && recentElements[at] === x) {
      at = (at + 1) & RECENT_MASK;
      continue;
    }
    at = searches < RUN_SEARCHES ? findRecentElement(x) : -1;
    searches++;
    if (at >= 0) {
      at = (at + 1) & RECENT_MASK;
      continue;
    }
    if (!deeplyFrozen(x, 1)) return false;
    recentElements[recentElementsNext] = x;
    recentElementsNext = (recentElementsNext + 1) & RECENT_MASK;
    // Stop searching once an element is new: the ones after it are new too (a fresh chunk), until one is found again.
    searches = RUN_SEARCHES;
  }
  return true;
}

/** Position of x in the ring of recent elements (newest first), or -1. */
function findRecentElement(x: unknown): number {
  for (let i = recentElementsNext - 1; i >= 0; i--) if (recentElements[i] === x) return i;
  for (let i = RECENT_MASK; i >= recentElementsNext; i--) if (recentElements[i] === x) return i;
  return -1;
}

/**
 * One node's disk. `values` holds the latest write of every key, synced or not; the undo log holds, for each write
 * since the last sync in order, the key and what it held just before. A sync forgets the undo log; a crash replays it
 * backwards (unsynced writes are lost), unless a torn write damages the last one instead. A write costs one map read
 * and one map write, and a sync costs nothing (measured: a map of pending writes plus a map of durable ones cost
 * about four times as much at 1,000 Raft ops/s).
 *
 * Values are stored as copies, so a later mutation of the node's object cannot leak in: primitives as themselves,
 * deeply frozen objects (Raft's log entries, say) by reference, anything else as JSON text. Reads give back the
 * frozen object itself, or a fresh parse of the text.
 */
export class Disk {
  private readonly values = new Map<string, unknown>();
  /**
   * The undo log: entries 0..undoCount-1 of these arrays. A sync sets the count to 0 (and clears the values it held,
   * so they can be collected) instead of truncating the arrays, which made every persist after a sync grow them anew.
   */
  private readonly undoKeys: string[] = [];
  /** What each undone key held before (undefined: nothing). */
  private readonly undoValues: unknown[] = [];
  private undoCount = 0;
  /**
   * A lying fsync (the disk fault lying-fsync): sync() acknowledges but keeps the undo log, so everything written since
   * the lie began is still unsynced: a crash loses it (or tears its last write), and so does lose-unsynced. The lie
   * ends with the next crash.
   */
  syncLies = false;

  persist(key: string, value: unknown): void {
    if (!(this.undoCount <= this.undoKeys.length))
      assert(false, `disk: undo log of ${this.undoCount} entries, ${this.undoKeys.length} allocated`);
    const u = this.undoCount++;
    const before = this.values.get(key);
    if (u < this.undoKeys.length) {
      this.undoKeys[u] = key;
      this.undoValues[u] = before;
    } else {
      this.undoKeys.push(key);
      this.undoValues.push(before);
    }
    if (!(this.undoKeys[u] === key && this.undoCount === u + 1)) assert(false, `disk: ${key} not logged for undo`);
    if (value === undefined) {
      this.values.delete(key);
      return;
    }
    const copyAsText =
      typeof value === "object"
        ? value !== null && !storableByReference(value)
        : typeof value === "number" && !Number.isFinite(value);
    this.values.set(key, copyAsText ? new JsonText(JSON.stringify(value), -1) : value);
  }

  sync(): void {
    if (this.syncLies) return;
    assert(this.undoCount <= this.undoKeys.length, "disk: the undo log is within its arrays");
    for (let i = 0; i < this.undoCount; i++) this.undoValues[i] = undefined;
    this.undoCount = 0;
    assert(this.undoValues.length === 0 || this.undoValues[0] === undefined, "disk: the undo log cleared by a sync");
  }

  /** Distinct keys written since the last sync. */
  get unsyncedCount(): number {
    return new Set(this.undoKeys.slice(0, this.undoCount)).size;
  }

  read(key: string): unknown {
    const stored = this.values.get(key);
    if (!(stored instanceof JsonText)) return stored;
    if (stored.sum !== -1 && checksum(stored.text) !== stored.sum) return CORRUPT;
    try {
      return JSON.parse(stored.text);
    } catch {
      return CORRUPT;
    }
  }

  /**
   * Read a value without checking the engine's checksum: the damaged bytes as they lie on the disk (a protocol with
   * its own checksums, such as protocols/backup, detects the damage itself). CORRUPT only when the text is no longer
   * JSON (nothing can be read back).
   */
  readUnchecked(key: string): unknown {
    const stored = this.values.get(key);
    if (!(stored instanceof JsonText)) return stored;
    try {
      return JSON.parse(stored.text);
    } catch {
      return CORRUPT;
    }
  }

  keys(prefix = ""): string[] {
    const out: string[] = [];
    for (const k of this.values.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  /** A crash: unsynced writes are lost; with `tornLast`, the last unsynced write lands damaged instead. */
  crash(tornLast: boolean): string | null {
    assert(this.undoCount >= 0 && this.undoCount <= this.undoKeys.length, () => `disk: undo log of ${this.undoCount}`);
    let torn: string | null = null;
    let tornValue: JsonText | null = null;
    const last = this.undoCount - 1;
    if (tornLast && last >= 0 && this.values.has(this.undoKeys[last] as string)) {
      torn = this.undoKeys[last] as string;
      const text = textOf(this.values.get(torn));
      tornValue = new JsonText(text.slice(0, Math.max(0, Math.floor(text.length / 2))), checksum(text));
    }
    for (let i = last; i >= 0; i--) {
      const key = this.undoKeys[i] as string;
      const before = this.undoValues[i];
      if (before === undefined) this.values.delete(key);
      else this.values.set(key, before);
    }
    if (torn !== null && tornValue !== null) this.values.set(torn, tornValue);
    this.syncLies = false;
    this.sync();
    assert(this.undoCount === 0, () => `disk: ${this.undoCount} unsynced writes survived a crash`);
    assert(torn === null || this.values.get(torn) === tornValue, () => `disk: torn write of ${torn} not in place`);
    return torn;
  }

  /**
   * Flip a character of a stored value (synced or not) without fixing its checksum. Returns the key damaged. An
   * unsynced value is damaged in place; its durable predecessor, if a crash brings it back, is intact.
   */
  corrupt(key: string | null, pick: (n: number) => number): string | null {
    const keys = key === null ? this.keys() : [key];
    if (keys.length === 0) return null;
    const k = keys[pick(keys.length)] as string;
    if (!this.values.has(k)) return null;
    const stored = this.values.get(k);
    const text = stored instanceof JsonText ? stored.text : textOf(stored);
    if (text.length === 0) return null;
    const i = pick(text.length);
    assert(i >= 0 && i < text.length, () => `disk: corrupt picked ${i} of ${text.length} characters`);
    const c = text.charCodeAt(i);
    const damaged = text.slice(0, i) + String.fromCharCode(c === 0x7a ? 0x79 : c + 1) + text.slice(i + 1);
    const sum = stored instanceof JsonText && stored.sum !== -1 ? stored.sum : checksum(text);
    assert(damaged.length === text.length && damaged !== text, () => `disk: ${k} not damaged in place`);
    this.values.set(k, new JsonText(damaged, sum));
    return k;
  }

  /** Apply a disk fault now (lose-unsynced drops pending writes immediately; torn-write arms the next crash). */
  static readonly FAULTS: readonly DiskFaultKind[] = ["lose-unsynced", "torn-write", "corrupt", "lying-fsync"];
}

/** The JSON text of a stored value (a JsonText's own text; a primitive or frozen object serialised). */
function textOf(stored: unknown): string {
  return stored instanceof JsonText ? stored.text : JSON.stringify(stored);
}
