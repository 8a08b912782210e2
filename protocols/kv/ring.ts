import { assert } from "../../sim/core/assert.ts";
import type { NodeId } from "../../sim/core/types.ts";

/**
 * A consistent-hash ring with virtual nodes (Karger et al.; Dynamo's placement). Each physical node owns `vnodes`
 * points of a 53-bit hash space; a key belongs to the first point clockwise from its own hash, and its `replicas`
 * owners are the distinct physical nodes met walking clockwise from there. Adding a node takes over only the arcs in
 * front of its new points (about 1/(n+1) of the keys, every one of them moving to the new node); removing a node
 * hands only its own arcs to their successors. Everything is deterministic: the same members give the same ring.
 */

/**
 * cyrb53: a 53-bit string hash (two 32-bit multiply-xorshift lanes mixed at the end; public domain, bryc). Unlike a
 * 32-bit FNV-1a, short similar strings ("n1#0", "n1#1", "k7") spread over the whole space, so vnode points do not
 * cluster. The result is an integer in [0, 2^53).
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const h = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  assert(Number.isSafeInteger(h) && h >= 0, "hash53: the hash is a safe non-negative integer");
  return h;
}

/** One point of the ring: its position and the physical node that owns it. */
interface Point {
  pos: number;
  node: NodeId;
}

export class HashRing {
  readonly members: readonly NodeId[];
  readonly vnodes: number;
  private readonly points: Point[];

  constructor(members: readonly NodeId[], vnodes: number) {
    assert(Number.isInteger(vnodes) && vnodes >= 1, () => `ring: vnodes must be a positive integer, got ${vnodes}`);
    assert(new Set(members).size === members.length, () => `ring: members named twice: ${members.join(",")}`);
    this.members = [...members];
    this.vnodes = vnodes;
    const points: Point[] = [];
    for (const node of members) for (let v = 0; v < vnodes; v++) points.push({ pos: hash53(`${node}#${v}`), node });
    // Ties (astronomically rare at 53 bits) are broken by node id, so the order never depends on insertion order.
    points.sort((a, b) => a.pos - b.pos || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    this.points = points;
    assert(points.length === members.length * vnodes, "ring: one point per (member, vnode)");
  }

  /** Index of the first point at or after `h` (clockwise), wrapping to 0. */
  private successor(h: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as Point).pos < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.points.length ? 0 : lo;
  }

  /** The first `replicas` distinct physical nodes clockwise from the key's hash (fewer if the ring has fewer). */
  owners(key: string, replicas = 1): NodeId[] {
    assert(replicas >= 1, () => `ring: replicas must be at least 1, got ${replicas}`);
    if (this.points.length === 0) return [];
    const want = Math.min(replicas, this.members.length);
    const out: NodeId[] = [];
    let i = this.successor(hash53(key));
    for (let walked = 0; out.length < want && walked < this.points.length; walked++) {
      const p = this.points[i] as Point;
      if (!out.includes(p.node)) out.push(p.node);
      i = i + 1 === this.points.length ? 0 : i + 1;
    }
    assert(out.length === want, () => `ring: found ${out.length} of ${want} owners for ${key}`);
    return out;
  }

  /** The key's first owner (its primary). */
  primary(key: string): NodeId {
    const o = this.owners(key, 1);
    assert(o.length === 1, "ring: an empty ring owns no key");
    return o[0] as NodeId;
  }
}

/** Rings already built, by (vnodes, members): every node and every transaction asks for the same few rings. */
const rings = new Map<string, HashRing>();
/** The cache is dropped whole when it reaches this many rings (membership churn cannot grow it without bound). */
const MAX_CACHED_RINGS = 64;

/** The ring of a member list, built once and shared (a ring is a pure function of its members and vnodes). */
export function ringOf(members: readonly NodeId[], vnodes: number): HashRing {
  const id = `${vnodes}|${members.join(",")}`;
  let ring = rings.get(id);
  if (ring === undefined) {
    if (rings.size >= MAX_CACHED_RINGS) rings.clear();
    ring = new HashRing(members, vnodes);
    rings.set(id, ring);
  }
  return ring;
}

/** Mod-n placement over a member list: `replicas` consecutive members from hash(key) mod n (the baseline). */
export function modOwners(key: string, members: readonly NodeId[], replicas = 1): NodeId[] {
  const n = members.length;
  if (n === 0) return [];
  const r = Math.max(1, Math.min(replicas, n));
  const start = hash53(key) % n;
  const out: NodeId[] = [];
  for (let k = 0; k < r; k++) out.push(members[(start + k) % n] as NodeId);
  return out;
}

/** How many keys of `keys` gain an owner they did not have (each counted once per new owner). */
export function keysMoved(
  keys: readonly string[],
  before: (key: string) => readonly NodeId[],
  after: (key: string) => readonly NodeId[],
): { keys: number; copies: number } {
  let moved = 0;
  let copies = 0;
  for (const k of keys) {
    const old = before(k);
    const gained = after(k).filter((n) => !old.includes(n)).length;
    copies += gained;
    if (gained > 0) moved++;
  }
  assert(moved <= keys.length && copies >= moved, "keysMoved: counts in range");
  return { keys: moved, copies };
}

/** The workload's key names k0 .. k(n-1) (sim/world/workload.ts names keys this way). */
export function keySpace(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `k${i}`);
}
