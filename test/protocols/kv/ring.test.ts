import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HashRing, hash53, keySpace, keysMoved, modOwners } from "../../../protocols/kv/ring.ts";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const keys = keySpace(10_000);

function counts(ring: HashRing, ks: readonly string[]): Map<string, number> {
  const c = new Map<string, number>();
  for (const k of ks) c.set(ring.primary(k), (c.get(ring.primary(k)) ?? 0) + 1);
  return c;
}

describe("consistent-hash ring", () => {
  it("hash53 is deterministic, 53-bit, and spreads similar strings", () => {
    expect(hash53("k1")).toBe(hash53("k1"));
    expect(hash53("k1")).not.toBe(hash53("k2"));
    const buckets = new Array(16).fill(0);
    for (const k of keys) {
      const h = hash53(k);
      expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      buckets[Math.floor(h / 2 ** 49)]++;
    }
    // 10,000 keys in 16 equal slices of the space: 625 expected each; a slice off by 20% would be a skewed hash.
    for (const b of buckets) expect(Math.abs(b - 625)).toBeLessThan(125);
  });

  it("balances keys across nodes: with 128 vnodes every node holds within 25% of the mean", () => {
    for (const n of [3, 5, 8]) {
      const c = counts(new HashRing(nodes(n), 128), keys);
      const mean = keys.length / n;
      for (const node of nodes(n)) expect(Math.abs((c.get(node) ?? 0) - mean) / mean).toBeLessThan(0.25);
    }
  });

  it("with one vnode, owners are the arcs between points, worked out by hand from the point positions", () => {
    const ring = new HashRing(["a", "b", "c"], 1);
    const pts = ["a", "b", "c"].map((n) => ({ n, pos: hash53(`${n}#0`) })).sort((x, y) => x.pos - y.pos);
    for (const k of keySpace(300)) {
      const h = hash53(k);
      const first = pts.find((p) => p.pos >= h) ?? pts[0];
      expect(ring.primary(k)).toBe(first?.n);
      // The second owner is the next point clockwise (another node, since each node has one point).
      const i = pts.indexOf(first as (typeof pts)[number]);
      expect(ring.owners(k, 2)).toEqual([first?.n, pts[(i + 1) % 3]?.n]);
    }
  });

  it("adding a node moves exactly the keys of the arc before its point, all to it (one vnode, by hand)", () => {
    const before = new HashRing(["a", "b", "c"], 1);
    const after = new HashRing(["a", "b", "c", "d"], 1);
    const d = hash53("d#0");
    const others = ["a", "b", "c"].map((n) => hash53(`${n}#0`));
    const below = others.filter((p) => p < d);
    // d takes (pred, d]: pred is the largest point below d, or (wrapping) the largest point of all.
    const pred = below.length > 0 ? Math.max(...below) : Math.max(...others);
    const inArc = (h: number) => (pred < d ? h > pred && h <= d : h > pred || h <= d);
    const ks = keySpace(500);
    const expected = ks.filter((k) => inArc(hash53(k)));
    const moved = ks.filter((k) => before.primary(k) !== after.primary(k));
    expect(moved).toEqual(expected);
    for (const k of moved) expect(after.primary(k)).toBe("d");
  });

  it("mod-n from 4 to 5 nodes keeps a key only when h mod 20 < 4 (by the Chinese remainder theorem)", () => {
    const ks = keySpace(1000);
    const stays = ks.filter((k) => hash53(k) % 20 < 4).length;
    const m = keysMoved(
      ks,
      (k) => modOwners(k, nodes(4)),
      (k) => modOwners(k, nodes(5)),
    );
    expect(m.keys).toBe(ks.length - stays);
    // About 4/5 of the keys move; the ring moves about 1/5.
    expect(m.keys / ks.length).toBeGreaterThan(0.75);
    const r = keysMoved(
      ks,
      (k) => new HashRing(nodes(4), 64).owners(k),
      (k) => new HashRing(nodes(5), 64).owners(k),
    );
    expect(r.keys / ks.length).toBeGreaterThan(0.1);
    expect(r.keys / ks.length).toBeLessThan(0.3);
  });

  it("property: adding a node moves about 1/(n+1) of the keys, and only to the new node", () => {
    const ks = keySpace(2000);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 16, max: 128 }), (n, vnodes) => {
        const before = new HashRing(nodes(n), vnodes);
        const after = new HashRing(nodes(n + 1), vnodes);
        const added = `n${n + 1}`;
        let moved = 0;
        for (const k of ks) {
          const p = after.primary(k);
          if (before.primary(k) !== p) {
            moved++;
            expect(p).toBe(added);
          }
        }
        // Expected 1/(n+1); within a factor of 2 either way for >= 16 vnodes.
        const f = moved / ks.length;
        expect(f).toBeGreaterThan(0.5 / (n + 1));
        expect(f).toBeLessThan(2 / (n + 1));
      }),
      { numRuns: 25, seed: 19 },
    );
  });

  it("property: removing a node moves only its keys, and a key's owners are distinct members", () => {
    const ks = keySpace(1000);
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.nat(),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 4 }),
        (n, pick, vnodes, replicas) => {
          const all = nodes(n);
          const gone = all[pick % n] as string;
          const before = new HashRing(all, vnodes);
          const after = new HashRing(
            all.filter((x) => x !== gone),
            vnodes,
          );
          const bad: string[] = [];
          for (const k of ks) {
            if (before.primary(k) !== gone && after.primary(k) !== before.primary(k)) bad.push(`${k} moved`);
            const o = before.owners(k, replicas);
            if (new Set(o).size !== Math.min(replicas, n) || o.some((x) => !all.includes(x))) bad.push(`${k}: ${o}`);
          }
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});
