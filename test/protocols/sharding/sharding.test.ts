import { describe, expect, it } from "vitest";
import { HashRing, hash53, keySpace } from "../../../protocols/kv/ring.ts";
import { sharding } from "../../../protocols/sharding/index.ts";
import type { ShardMsg, ShardState } from "../../../protocols/sharding/node.ts";
import type { ShardingOptions } from "../../../protocols/sharding/options.ts";
import { Cluster, ofType, to } from "../cluster.ts";

const ids = ["n1", "n2", "n3", "n4"];
/** n1..n3 on the ring with one point each, n4 a spare that joins at 1ms; a key space of 20 keys. */
const opts = {
  vnodes: 1,
  replicas: 1,
  keySpace: 20,
  batchKeys: 2,
  batchMicros: 10_000,
  rebalance: [{ atMicros: 1000, add: "n4" }],
};
const keys = keySpace(20);
const before = new HashRing(["n1", "n2", "n3"], 1);

function cluster(bugs: string[] = []): Cluster<ShardState, ShardMsg, ShardingOptions> {
  return new Cluster(sharding, ids, opts, bugs);
}

/** Write `k=v-k` for every key at its primary (before the change). */
function writeAll(c: Cluster<ShardState, ShardMsg, ShardingOptions>): void {
  for (const [i, k] of keys.entries()) c.request(before.primary(k), 100 + i, { f: "write", key: k, value: `v-${k}` });
  for (const [i] of keys.entries()) expect(c.replyTo(100 + i)).toEqual({ type: "ok", value: null });
}

function sum(c: Cluster<ShardState, ShardMsg, ShardingOptions>, name: string): number {
  return c.metrics.filter((m) => m.name === name).reduce((n, m) => n + m.value, 0);
}

/** The keys n4 takes over, by hand: those whose hash lies in the arc (pred, n4's point] of the one-vnode ring. */
function n4Arc(): string[] {
  const d = hash53("n4#0");
  const others = ["n1", "n2", "n3"].map((n) => hash53(`${n}#0`));
  const below = others.filter((p) => p < d);
  const pred = below.length > 0 ? Math.max(...below) : Math.max(...others);
  return keys.filter((k) => {
    const h = hash53(k);
    return pred < d ? h > pred && h <= d : h > pred || h <= d;
  });
}

function runToEnd(c: Cluster<ShardState, ShardMsg, ShardingOptions>): void {
  for (let i = 0; i < 100; i++) {
    c.deliver();
    c.advance(10_000);
  }
}

describe("sharding on a consistent-hash ring", () => {
  it("adding a node moves exactly the keys of its arc to it, and records what mod-n would have moved", () => {
    const c = cluster();
    writeAll(c);
    const arc = n4Arc();
    expect(arc.length).toBeGreaterThan(0);
    runToEnd(c);
    expect(c.violations).toEqual([]);
    // Every written key whose owner changes moves, once, to n4: 16 + key + value bytes each.
    expect(sum(c, "rebalance.keys-moved")).toBe(arc.length);
    const bytes = arc.reduce((n, k) => n + 16 + k.length + `v-${k}`.length, 0);
    expect(sum(c, "rebalance.bytes-moved")).toBe(bytes);
    expect([...c.state("n4").prim.keys()].sort()).toEqual([...arc].sort());
    for (const k of arc) expect(c.state("n4").prim.get(k)?.value).toBe(`v-${k}`);
    // Over the 20-key space: the ring moves the arc; mod-n from 3 to 4 keeps a key only when h mod 12 < 3.
    expect(sum(c, "rebalance.ring-keyspace-moved")).toBe(arc.length);
    expect(sum(c, "rebalance.mod-n-keyspace-moved")).toBe(keys.filter((k) => hash53(k) % 12 >= 3).length);
    expect(c.metrics.filter((m) => m.name === "rebalance.time")).toHaveLength(1);
    // Keys per node add up to the 20 keys.
    expect(ids.reduce((n, id) => n + c.state(id).prim.size, 0)).toBe(20);
  });

  it("a request at the new primary waits for the key's data (fetching it), then sees the old primary's value", () => {
    const c = cluster();
    writeAll(c);
    const k = n4Arc()[0] as string;
    const old = before.primary(k);
    c.advance(1000); // the controller (n1) starts the change
    c.deliver(ofType("epoch"));
    c.drop(ofType("batch")); // the streams are slow: nothing of them arrives yet (they are re-sent later)
    c.request("n4", 1, { f: "read", key: k });
    expect(c.replyTo(1)).toBeUndefined();
    expect(c.queued(to(old))).toContain(`n4>${old}:fetch`);
    c.deliver(ofType("fetch", "give"));
    expect(c.replyTo(1)).toEqual({ type: "ok", value: `v-${k}` });
    // The old primary now redirects that key to n4.
    c.request(old, 2, { f: "read", key: k });
    expect(c.replyTo(2)).toEqual({ type: "redirect", leader: "n4" });
    runToEnd(c);
    expect(c.violations).toEqual([]);
  });

  it("the old primary keeps serving a moving key until it sends it", () => {
    const c = cluster();
    writeAll(c);
    const k = n4Arc()[0] as string;
    const old = before.primary(k);
    c.advance(1000);
    c.deliver(ofType("epoch"));
    c.drop(); // nothing sent yet reaches anyone
    expect(c.state(old).prim.has(k)).toBe(true);
    c.request(old, 3, { f: "write", key: k, value: "late" });
    expect(c.replyTo(3)).toEqual({ type: "ok", value: null });
    runToEnd(c);
    expect(c.violations).toEqual([]);
    expect(c.state("n4").prim.get(k)?.value).toBe("late");
  });

  it("with serve-before-handoff, the new primary answers from nothing and the moved write is lost", () => {
    const c = cluster(["serve-before-handoff"]);
    writeAll(c);
    const k = n4Arc()[0] as string;
    c.advance(1000);
    c.deliver(ofType("epoch"));
    c.request("n4", 4, { f: "read", key: k });
    expect(c.replyTo(4)).toEqual({ type: "ok", value: null }); // stale: v-k was acknowledged before
    c.request("n4", 5, { f: "write", key: k, value: "new" });
    runToEnd(c);
    expect(c.violations.join("\n")).toMatch(/single-owner|no-acked-write-lost/);
  });

  it("rejects a schedule that adds a member or removes a spare", () => {
    const env = { nodes: ids };
    const initial = ["n1", "n2", "n3"];
    expect(sharding.options.resolve({ initial, rebalance: [{ atMicros: 1, add: "n1" }] }, env, "sharding").ok).toBe(
      false,
    );
    expect(
      sharding.options.resolve({ initial: ["n1", "n2"], rebalance: [{ atMicros: 1, remove: "n3" }] }, env, "sharding")
        .ok,
    ).toBe(false);
    expect(sharding.options.resolve({ rebalance: [{ atMicros: 1, remove: "n3" }] }, env, "sharding").ok).toBe(true);
  });
});
