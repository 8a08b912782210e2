import { describe, expect, it } from "vitest";
import type { MultimasterMsg } from "../../../protocols/multimaster/messages.ts";
import { type MultimasterState, readValue } from "../../../protocols/multimaster/node.ts";
import { multimasterObservers } from "../../../protocols/multimaster/observers.ts";
import type { MultimasterOptions } from "../../../protocols/multimaster/options.ts";
import { multimaster } from "../../../protocols/multimaster/index.ts";
import type { ObserverContext } from "../../../sim/core/protocol.ts";
import { Cluster } from "../cluster.ts";

type MM = Cluster<MultimasterState, MultimasterMsg, MultimasterOptions>;

function cluster(resolution: "lww" | "siblings", ids = ["n1", "n2"], bugs: string[] = []): MM {
  const c = new Cluster(multimaster, ids, { resolution }, bugs);
  settle(c);
  return c;
}

/** Let timers fire and messages flow until nothing is left in flight (a connected, quiet cluster). */
function settle(c: MM, rounds = 20): void {
  for (let r = 0; r < rounds; r++) {
    c.advance(c.options.retryMicros);
    c.deliver();
  }
}

/** Time passes with every message between the two groups lost (a partition). */
function partitioned(c: MM, a: string[], b: string[], micros: number): void {
  const cut = (m: { from: string; to: string }) =>
    (a.includes(m.from) && b.includes(m.to)) || (b.includes(m.from) && a.includes(m.to));
  for (let t = 0; t < micros; t += c.options.flushMicros) {
    c.advance(c.options.flushMicros);
    c.drop(cut);
    c.deliver();
  }
}

function read(c: MM, node: string, key: string): unknown {
  const id = 10_000 + c.replies.length;
  c.request(node, id, { f: "read", key });
  const r = c.replyTo(id);
  return r?.type === "ok" ? r.value : r;
}

const count = (c: MM, name: string, node?: string) =>
  c.metrics.filter((m) => m.name === name && (node === undefined || m.node === node)).length;

/** The lost-updates observer's `finish`, run over the cluster's states: the counter it records. */
function lostUpdates(c: MM): number {
  const recorded: number[] = [];
  const ctx: ObserverContext<MultimasterState, MultimasterOptions> = {
    now: c.now,
    nodes: c.ids,
    states: c.ids.map((id) => c.states.get(id)),
    up: c.ids.map((id) => c.states.get(id) !== undefined),
    storage: () => ({ read: () => undefined, keys: () => [] }),
    options: c.options,
    metric: (name, v) => {
      if (name === "lww.lost-updates") recorded.push(v);
    },
    note: () => {},
  };
  for (const o of multimasterObservers) o.create().finish?.(ctx);
  expect(recorded.length).toBe(c.options.resolution === "lww" ? 1 : 0);
  return recorded[0] ?? 0;
}

describe("master-master replication by hand", () => {
  it("accepts writes on both sides of a partition; after the heal, each replica resolves one conflict by lww", () => {
    const c = cluster("lww");
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    c.now += 10;
    partitioned(c, ["n1"], ["n2"], 1_000_000);
    c.request("n2", 2, { f: "write", key: "k", value: "b" });
    expect([c.replyTo(1)?.type, c.replyTo(2)?.type]).toEqual(["ok", "ok"]);
    partitioned(c, ["n1"], ["n2"], 1_000_000);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["a", "b"]);
    settle(c);
    // b was written later in physical time (same clocks here): it wins everywhere; a is lost, unseen by b.
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["b", "b"]);
    expect([count(c, "conflicts", "n1"), count(c, "conflicts", "n2")]).toEqual([1, 1]);
    expect(lostUpdates(c)).toBe(1);
    const notes = c.notes.filter((n) => n.text.startsWith("conflict on k"));
    expect(notes.map((n) => n.data?.winner)).toEqual(["n2:1=b", "n2:1=b"]);
    expect(c.violations).toEqual([]);
  });

  it("counts no conflict and no lost update when the second write saw the first", () => {
    const c = cluster("lww");
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    settle(c);
    c.request("n2", 2, { f: "append", key: "k", value: "b" });
    settle(c);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["a,b", "a,b"]);
    expect(count(c, "conflicts")).toBe(0);
    expect(lostUpdates(c)).toBe(0);
  });

  it("loses the later write under clock skew: the replica whose clock runs ahead wins a concurrent write", () => {
    const c = cluster("lww");
    const n2 = c.ctxs.get("n2") as { now: () => number };
    n2.now = () => c.now + 300_000;
    // n2 writes first in real time, with a stamp 300ms ahead; n1 writes 100ms later, concurrently (no message).
    partitioned(c, ["n1"], ["n2"], 0);
    c.request("n2", 1, { f: "write", key: "k", value: "early" });
    c.drop();
    c.now += 100_000;
    c.request("n1", 2, { f: "write", key: "k", value: "late" });
    c.drop();
    settle(c);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["early", "early"]);
    expect(lostUpdates(c)).toBe(1);
    // Once n1 has seen n2's stamp, its own writes stamp past it (the logical counter), so they win again.
    c.request("n1", 3, { f: "write", key: "k", value: "after" });
    settle(c);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["after", "after"]);
    expect(c.violations).toEqual([]);
  });

  it("keeps concurrent writes as siblings, reads them joined newest first; a later write supersedes both", () => {
    const c = cluster("siblings");
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    c.drop();
    c.now += 10;
    c.request("n2", 2, { f: "write", key: "k", value: "b" });
    c.drop();
    settle(c);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["b,a", "b,a"]);
    expect([count(c, "siblings.created", "n1"), count(c, "siblings.created", "n2")]).toEqual([1, 1]);
    expect(c.state("n1").store.get("k")?.length).toBe(2);
    c.request("n1", 3, { f: "write", key: "k", value: "merged" });
    settle(c);
    expect([read(c, "n1", "k"), read(c, "n2", "k")]).toEqual(["merged", "merged"]);
    expect(count(c, "siblings.created")).toBe(2);
    expect(c.violations).toEqual([]);
  });

  it("flags the planted vv-drop-sibling bug through the siblings-preserved invariant", () => {
    const c = cluster("siblings", ["n1", "n2"], ["vv-drop-sibling"]);
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    c.request("n1", 2, { f: "write", key: "j", value: "x" });
    c.request("n1", 3, { f: "write", key: "k", value: "a2" });
    c.drop();
    c.request("n2", 4, { f: "write", key: "k", value: "b" });
    c.drop();
    settle(c);
    expect(c.violations.some((v) => v.startsWith("siblings-preserved: n1 dropped sibling n1:3=a2"))).toBe(false);
    expect(c.violations.some((v) => v.startsWith("siblings-preserved: n2 dropped sibling n2:1=b"))).toBe(true);
  });

  it("resends what a partition lost from the last acknowledged update, and converges", () => {
    const c = cluster("lww");
    partitioned(c, ["n1"], ["n2"], 0);
    for (let i = 1; i <= 100; i++) {
      c.request("n1", i, { f: "write", key: `k${i % 7}`, value: `v${i}` });
      partitioned(c, ["n1"], ["n2"], c.options.flushMicros);
    }
    expect(c.state("n2").logs.get("n1")?.length).toBe(0);
    settle(c);
    expect(c.state("n2").logs.get("n1")?.length).toBe(100);
    for (let k = 0; k < 7; k++) expect(readValue(c.state("n2").store.get(`k${k}`))).toBe(read(c, "n1", `k${k}`));
    expect(c.violations).toEqual([]);
  });

  it("never converges with the planted no-anti-entropy-resume bug after the same partition", () => {
    const c = cluster("lww", ["n1", "n2"], ["no-anti-entropy-resume"]);
    for (let i = 1; i <= 10; i++) {
      c.request("n1", i, { f: "write", key: "k", value: `v${i}` });
      partitioned(c, ["n1"], ["n2"], c.options.flushMicros);
    }
    c.request("n1", 11, { f: "write", key: "k", value: "v11" });
    settle(c);
    expect(c.state("n2").logs.get("n1")?.length).toBe(0);
    expect(read(c, "n2", "k")).toBeNull();
  });

  it("relays updates through a third replica while the direct link between two is cut", () => {
    const c = cluster("lww", ["n1", "n2", "n3"]);
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    partitioned(c, ["n1"], ["n2"], 1_000_000);
    expect(read(c, "n2", "k")).toBe("a");
    expect(
      c.sent.some((m) => m.from === "n3" && m.to === "n2" && m.msg.type === "replicate" && m.msg.updates.length > 0),
    ).toBe(true);
    expect(lostUpdates(c)).toBe(0);
    expect(c.violations).toEqual([]);
  });

  it("rebuilds a restarted replica from its disk and resumes replication by probing its peer", () => {
    const c = cluster("siblings");
    c.request("n1", 1, { f: "write", key: "k", value: "a" });
    settle(c);
    c.crash("n2");
    c.request("n1", 2, { f: "append", key: "k", value: "b" });
    c.advance(1_000_000);
    c.restart("n2");
    expect(read(c, "n2", "k")).toBe("a");
    settle(c);
    expect(read(c, "n2", "k")).toBe("a,b");
    expect(c.violations).toEqual([]);
  });
});
