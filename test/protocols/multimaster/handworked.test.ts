import { describe, expect, it } from "vitest";
import { multiMaster } from "../../../protocols/multimaster/index.ts";
import type { MultiMasterMsg } from "../../../protocols/multimaster/messages.ts";
import type { MultiMasterState } from "../../../protocols/multimaster/node.ts";
import type { MultiMasterOptions } from "../../../protocols/multimaster/options.ts";
import { joinedValue } from "../../../protocols/multimaster/versions.ts";
import type { ObserverContext } from "../../../sim/core/protocol.ts";
import { Cluster } from "../cluster.ts";

type MM = Cluster<MultiMasterState, MultiMasterMsg, MultiMasterOptions>;

/**
 * Two masters a and b, cut off from each other (every message dropped) while both write:
 *   a: j=x at 1.0ms, k=a1 at 1.1ms, k=a2 at 2.0ms, k=a3 at 3.0ms
 *   b: j=y at 1.2ms, k=b1 at 1.5ms, k=b2 at 2.5ms
 * then the partition heals: at the retry timer (200ms) each re-sends from what the other acknowledged (nothing).
 */
function partitionedWrites(resolution: "lww" | "siblings", bugs: string[] = []): MM {
  const c: MM = new Cluster(multiMaster, ["a", "b"], { resolution }, bugs);
  let id = 1;
  const at = (micros: number, node: string, key: string, value: string): void => {
    c.advance(micros - c.now);
    c.request(node, id++, { f: "write", key, value });
  };
  at(1000, "a", "j", "x");
  at(1100, "a", "k", "a1");
  at(1200, "b", "j", "y");
  at(1500, "b", "k", "b1");
  at(2000, "a", "k", "a2");
  at(2500, "b", "k", "b2");
  at(3000, "a", "k", "a3");
  c.advance(10_000);
  expect(c.queued().length).toBeGreaterThan(0);
  c.drop();
  c.advance(200_000 - c.now);
  c.deliver();
  return c;
}

/** Run the protocol's observer over the cluster's final states and return the metric totals. */
function observe(c: MM): Map<string, number> {
  const totals = new Map<string, number>();
  const add = (k: string, v: number) => totals.set(k, (totals.get(k) ?? 0) + v);
  const states = c.ids.map((x) => c.states.get(x));
  const ctx: ObserverContext<MultiMasterState, MultiMasterOptions> = {
    now: c.now,
    nodes: c.ids,
    states,
    up: states.map((s) => s !== undefined),
    storage: () => ({ read: () => undefined, keys: () => [] }),
    options: c.options,
    metric: (name, v, label) => {
      add(name, v);
      if (label !== undefined) add(`${name}[${label}]`, v);
    },
    note: () => {},
  };
  const o = (multiMaster.observers ?? [])[0]?.create();
  for (let i = 0; i < c.ids.length; i++) o?.step?.(ctx, i);
  o?.finish?.(ctx);
  return totals;
}

const read = (c: MM, node: string, key: string) => joinedValue(c.state(node).store.get(key));

describe("master-master, hand-worked partition", () => {
  it("LWW: the later HLC wins every key, 5 conflicting pairs meet and 2 acknowledged writes are lost", () => {
    const c = partitionedWrites("lww");
    expect(c.violations).toEqual([]);
    for (const n of ["a", "b"]) {
      expect(read(c, n, "k")).toBe("a3");
      expect(read(c, n, "j")).toBe("y");
    }
    // Pairs: j {x,y}; k at a: {a3,b1}, {a3,b2}; k at b: {a1,b2}, {a2,b2}, {a3,b2} (counted once).
    // Lost: b2 (no write saw it, a3 won) and x (y won); a1, a2, b1 were overwritten by writes that saw them.
    const m = observe(c);
    expect(m.get("conflicts")).toBe(5);
    expect(m.get("lww.lost-updates")).toBe(2);
    expect(m.get("lww.lost-updates[a]")).toBe(1);
    expect(m.get("lww.lost-updates[b]")).toBe(1);
    expect(m.get("siblings.created") ?? 0).toBe(0);
    const notes = c.notes.filter((n) => n.text.startsWith("conflict on k"));
    expect(notes.map((n) => n.data?.winner)).toContain("a:4");
  });

  it("siblings: both sides' last writes stay as siblings, read joined in canonical order on every replica", () => {
    const c = partitionedWrites("siblings");
    expect(c.violations).toEqual([]);
    for (const n of ["a", "b"]) {
      expect(read(c, n, "k")).toBe("a3|b2");
      expect(read(c, n, "j")).toBe("x|y");
    }
    const m = observe(c);
    expect(m.get("conflicts")).toBe(5);
    // Versions ever held beside a concurrent one: x, y, a1, a2, a3, b1, b2.
    expect(m.get("siblings.created")).toBe(7);
    expect(m.get("lww.lost-updates") ?? 0).toBe(0);
  });

  it("siblings: a write supersedes the siblings its node held", () => {
    const c = partitionedWrites("siblings");
    c.request("a", 100, { f: "write", key: "k", value: "merged" });
    c.advance(10_000);
    c.deliver();
    expect(read(c, "a", "k")).toBe("merged");
    expect(read(c, "b", "k")).toBe("merged");
    expect(c.violations).toEqual([]);
  });

  it("vv-drop-sibling: replicas keep different values, which the convergence invariant reports", () => {
    const c = partitionedWrites("siblings", ["vv-drop-sibling"]);
    expect(read(c, "a", "k")).not.toBe(read(c, "b", "k"));
    expect(c.violations.some((v) => v.startsWith("converged-when-quiescent"))).toBe(true);
  });

  it("no-anti-entropy-resume: writes dropped in the partition are never re-sent", () => {
    const c = partitionedWrites("lww", ["no-anti-entropy-resume"]);
    c.advance(1_000_000);
    c.deliver();
    expect(c.state("a").applied.get("b") ?? 0).toBe(0);
    expect(read(c, "a", "j")).toBe("x");
    expect(read(c, "b", "j")).toBe("y");
    const correct = partitionedWrites("lww");
    expect(correct.state("a").applied.get("b")).toBe(3);
  });

  it("a restarted master keeps its writes and its clock, and answers a retried request the same", () => {
    const c = partitionedWrites("lww");
    c.crash("a");
    c.restart("a");
    expect(c.state("a").log.length).toBe(4);
    expect(read(c, "a", "k")).toBe("a3");
    // The clock restarts past every timestamp it stored (a3 was stamped at 3ms), whatever the physical clock says.
    expect(c.state("a").clock.wall).toBeGreaterThanOrEqual(3000);
    c.request("a", 1, { f: "write", key: "j", value: "x" });
    expect(c.state("a").log.length).toBe(4);
    expect(c.replies.filter((r) => r.requestId === 1).length).toBe(2);
  });
});
