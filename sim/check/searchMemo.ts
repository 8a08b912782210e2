/**
 * The search's memo of (linearized set, model state) pairs already explored, exact and allocation-free per probe:
 * an open-addressing hash table over entries stored in typed arrays. A set is kept as its first non-full word `lo`
 * and the words from there to its last set bit (ops are sorted by invocation, so a set is nearly a prefix and this is
 * short); its hash is a Zobrist hash (the XOR of a random word per op in the set), updated in O(1) per op.
 */
export class SearchMemo {
  private slots = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 10);
  private stateIds = new Int32Array(1 << 10);
  private offsets = new Int32Array(1 << 10);
  private pool = new Uint32Array(1 << 12);
  private poolLength = 0;
  /** Entries stored. */
  size = 0;

  /**
   * Add the set `bits` (words `lo`..`hi` significant, every word below `lo` full) in state `stateId`, whose Zobrist
   * hash is `setHash`. Returns false if it was already there.
   */
  add(bits: Uint32Array, lo: number, hi: number, setHash: number, stateId: number): boolean {
    const hash = setHash ^ Math.imul(stateId + 1, 0x9e3779b1);
    const count = hi >= lo ? hi - lo + 1 : 0;
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const e = (this.slots[slot] as number) - 1;
      if (e < 0) break;
      if (this.hashes[e] === hash && this.stateIds[e] === stateId && this.same(e, bits, lo, count)) return false;
      slot = (slot + 1) & mask;
    }
    this.store(bits, lo, count, hash, stateId);
    this.slots[slot] = this.size;
    if (this.size * 2 > this.slots.length) this.rehash();
    return true;
  }

  private same(e: number, bits: Uint32Array, lo: number, count: number): boolean {
    const p = this.pool;
    let o = this.offsets[e] as number;
    if (p[o] !== lo || p[o + 1] !== count) return false;
    o += 2;
    for (let i = 0; i < count; i++) if (p[o + i] !== bits[lo + i]) return false;
    return true;
  }

  private store(bits: Uint32Array, lo: number, count: number, hash: number, stateId: number): void {
    const e = this.size++;
    if (e === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.stateIds = grow(this.stateIds);
      this.offsets = grow(this.offsets);
    }
    this.hashes[e] = hash;
    this.stateIds[e] = stateId;
    this.offsets[e] = this.poolLength;
    while (this.poolLength + count + 2 > this.pool.length) {
      const bigger = new Uint32Array(this.pool.length * 2);
      bigger.set(this.pool);
      this.pool = bigger;
    }
    const p = this.pool;
    let o = this.poolLength;
    p[o++] = lo;
    p[o++] = count;
    for (let i = 0; i < count; i++) p[o++] = bits[lo + i] as number;
    this.poolLength = o;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = (this.hashes[e] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Random words for Zobrist hashing, one per op (a fixed xorshift sequence: the memo is exact either way). */
export function zobristWords(n: number): Int32Array {
  const z = new Int32Array(n);
  let s = 0x6d2b79f5;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    z[i] = s;
  }
  return z;
}
