import { CORRUPT } from "../core/protocol.ts";
import type { DiskFaultKind } from "../trace/events.ts";

/**
 * A stored value: its JSON text, and the checksum that was written with it. Computing a checksum for every write
 * would cost as much as the write itself, and a value can only be damaged by a disk fault, so the checksum is taken
 * lazily: an intact value carries none (-1), and a fault that damages a value first records the checksum of the
 * original text. Reads then behave exactly as if every write had been checksummed.
 */
interface Stored {
  text: string;
  sum: number;
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

const DELETED: Stored = { text: "", sum: -1 };

/**
 * One node's disk. `durable` holds what survived the last sync; `pending` holds writes since then, in order.
 * Reads see the latest write. A crash keeps only durable values (unless a torn write damages the last one).
 * Values are stored as JSON text, so `persist` copies and a later mutation of the node's object cannot leak in.
 */
export class Disk {
  private readonly durable = new Map<string, Stored>();
  private pending = new Map<string, Stored>();
  /** The key written last since the last sync (the one a torn write damages). */
  private lastPending: string | null = null;

  persist(key: string, value: unknown): void {
    if (value === undefined) {
      this.pending.set(key, DELETED);
      this.lastPending = key;
      return;
    }
    this.pending.set(key, { text: JSON.stringify(value), sum: -1 });
    this.lastPending = key;
  }

  sync(): void {
    for (const [key, stored] of this.pending) {
      if (stored === DELETED) this.durable.delete(key);
      else this.durable.set(key, stored);
    }
    this.pending.clear();
    this.lastPending = null;
  }

  get unsyncedCount(): number {
    return this.pending.size;
  }

  read(key: string): unknown {
    const stored = this.pending.get(key) ?? this.durable.get(key);
    if (stored === undefined || stored === DELETED) return undefined;
    if (stored.sum !== -1 && checksum(stored.text) !== stored.sum) return CORRUPT;
    try {
      return JSON.parse(stored.text);
    } catch {
      return CORRUPT;
    }
  }

  keys(prefix = ""): string[] {
    const out = new Set<string>();
    for (const k of this.durable.keys()) if (k.startsWith(prefix)) out.add(k);
    for (const [k, s] of this.pending) {
      if (!k.startsWith(prefix)) continue;
      if (s === DELETED) out.delete(k);
      else out.add(k);
    }
    return [...out].sort();
  }

  /** A crash: unsynced writes are lost; with `tornLast`, the last unsynced write lands damaged instead. */
  crash(tornLast: boolean): string | null {
    let torn: string | null = null;
    if (tornLast && this.lastPending !== null) {
      const lastKey = this.lastPending;
      const last = this.pending.get(lastKey) ?? DELETED;
      if (last !== DELETED) {
        const cut = Math.max(0, Math.floor(last.text.length / 2));
        this.durable.set(lastKey, { text: last.text.slice(0, cut), sum: checksum(last.text) });
        torn = lastKey;
      }
    }
    this.pending = new Map();
    this.lastPending = null;
    return torn;
  }

  /** Flip a character of a stored value (synced or not) without fixing its checksum. Returns the key damaged. */
  corrupt(key: string | null, pick: (n: number) => number): string | null {
    const keys = key === null ? this.keys() : [key];
    if (keys.length === 0) return null;
    const k = keys[pick(keys.length)] as string;
    const map = this.pending.has(k) ? this.pending : this.durable;
    const stored = map.get(k);
    if (stored === undefined || stored === DELETED || stored.text.length === 0) return null;
    const i = pick(stored.text.length);
    const c = stored.text.charCodeAt(i);
    const text = stored.text.slice(0, i) + String.fromCharCode(c === 0x7a ? 0x79 : c + 1) + stored.text.slice(i + 1);
    map.set(k, { text, sum: stored.sum === -1 ? checksum(stored.text) : stored.sum });
    return k;
  }

  /** Apply a disk fault now (lose-unsynced drops pending writes immediately; torn-write arms the next crash). */
  static readonly FAULTS: readonly DiskFaultKind[] = ["lose-unsynced", "torn-write", "corrupt"];
}
