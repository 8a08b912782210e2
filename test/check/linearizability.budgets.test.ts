/**
 * Issue 18, defect 1: a key the search cannot decide must not hide another key's violation. Each key has its own
 * budget, there is a total time budget, and an undecided check is never a pass.
 */
import { describe, expect, it } from "vitest";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import type { KvOp } from "../../sim/core/protocol.ts";

let id = 0;
function op(p: number, o: KvOp, invoke: number, complete: number | null, result: unknown = null): HistoryOp {
  return {
    process: p,
    client: `c${p}`,
    requestId: id++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome: complete === null ? "info" : "ok",
    result,
  };
}

/** 40 concurrent writes of distinct values and a read of none of them: exponential for any WGL search. */
function hardKey(key: string): HistoryOp[] {
  const h = Array.from({ length: 40 }, (_, i) => op(i, { f: "write", key, value: `v${i}` }, 0, 100));
  h.push(op(99, { f: "read", key }, 200, 210, "nope"));
  return h;
}

/** A stale read: proven not linearizable in a few steps. */
function staleKey(key: string): HistoryOp[] {
  return [
    op(0, { f: "write", key, value: "a" }, 0, 10),
    op(0, { f: "write", key, value: "b" }, 20, 30),
    op(1, { f: "read", key }, 40, 50, "a"),
  ];
}

describe("per-key budgets", () => {
  it("reports a violation on one key even when another key cannot be decided within its budget", () => {
    // "a-hard" sorts first: with one budget shared in key order, the stale read on "b" was never looked at.
    const r = checkLinearizability([...hardKey("a-hard"), ...staleKey("b")], { maxStates: 10_000 });
    expect(r.verdict).toBe("violation");
    expect(r.key).toBe("b");
  });

  it("says unknown, naming the undecided key, when no key is violated and one cannot be decided", () => {
    const fine = [op(0, { f: "write", key: "b", value: "a" }, 0, 10), op(1, { f: "read", key: "b" }, 20, 30, "a")];
    const r = checkLinearizability([...hardKey("a-hard"), ...fine], { maxStates: 10_000 });
    expect(r.verdict).toBe("unknown");
    expect(r.unknownKeys).toEqual(["a-hard"]);
    expect(r.keysDecided).toBe(1);
    expect(r.message).toMatch(/a-hard/);
  });

  it("gives each key its own budget: many keys each needing most of it are all decided", () => {
    const one = staleKey("x").slice(0, 2);
    const probe = checkLinearizability(one);
    const perKey = probe.explored + 2;
    const history = Array.from({ length: 20 }, (_, k) =>
      one.map((h) => ({ ...h, requestId: id++, op: { ...h.op, key: `k${k}` } })),
    ).flat();
    const r = checkLinearizability(history, { maxStates: perKey, maxTotalStates: 1_000_000 });
    expect(r.verdict).toBe("ok");
    expect(r.explored).toBeGreaterThan(perKey);
  });

  it("stops at the total state budget with unknown, naming the keys left unchecked", () => {
    const one = staleKey("x").slice(0, 2);
    const history = Array.from({ length: 20 }, (_, k) =>
      one.map((h) => ({ ...h, requestId: id++, op: { ...h.op, key: `k${k}` } })),
    ).flat();
    const r = checkLinearizability(history, { maxStates: 1000, maxTotalStates: 10 });
    expect(r.verdict).toBe("unknown");
    expect(r.message).toMatch(/total search budget/);
    expect(r.unknownKeys?.length).toBeGreaterThan(10);
  });

  it("stops at the total time budget with unknown, never ok", () => {
    let clock = 0;
    // Each reading of the clock moves it 1 ms on: the budget of 5 ms runs out while the hard key is searched.
    const now = () => clock++;
    const fine = [op(0, { f: "write", key: "z", value: "a" }, 0, 10)];
    const r = checkLinearizability([...hardKey("a"), ...fine], {
      maxStates: 50_000_000,
      time: { now, budgetMs: 5 },
    });
    expect(r.verdict).toBe("unknown");
    expect(r.message).toMatch(/time budget/);
    expect(r.unknownKeys).toContain("a");
  });
});
