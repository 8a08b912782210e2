import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { KvOp } from "../../sim/core/protocol.ts";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import { kvApply, type KvValue } from "../../sim/check/models.ts";

let nextId = 1;
function op(process: number, o: KvOp, invoke: number, complete: number | null, result: unknown = null, outcome: HistoryOp["outcome"] = complete === null ? "info" : "ok"): HistoryOp {
  return { process, client: `c${process + 1}`, requestId: nextId++, op: o, invokeMicros: invoke, completeMicros: complete, outcome, result };
}
const w = (key: string, value: string): KvOp => ({ f: "write", key, value });
const r = (key: string): KvOp => ({ f: "read", key });

describe("linearizability", () => {
  it("accepts a sequential history", () => {
    const h = [op(0, w("k", "a"), 0, 10), op(0, r("k"), 20, 30, "a"), op(1, { f: "cas", key: "k", expected: "a", value: "b" }, 40, 50, true), op(1, r("k"), 60, 70, "b")];
    expect(checkLinearizability(h).verdict).toBe("ok");
  });

  it("rejects a stale read after a completed write", () => {
    const h = [op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 30), op(1, r("k"), 40, 50, "a")];
    const res = checkLinearizability(h);
    expect(res.verdict).toBe("violation");
    expect(res.key).toBe("k");
    expect(res.message).toMatch(/not linearizable/);
  });

  it("accepts a read concurrent with a write returning either value", () => {
    expect(checkLinearizability([op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 60), op(1, r("k"), 30, 40, "a")]).verdict).toBe("ok");
    expect(checkLinearizability([op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 60), op(1, r("k"), 30, 40, "b")]).verdict).toBe("ok");
  });

  it("lets an info write take effect later, or never", () => {
    const took = [op(0, w("k", "a"), 0, null), op(1, r("k"), 100, 110, "a")];
    const never = [op(0, w("k", "a"), 0, null), op(1, r("k"), 100, 110, null)];
    expect(checkLinearizability(took).verdict).toBe("ok");
    expect(checkLinearizability(never).verdict).toBe("ok");
  });

  it("treats a failed write as never having happened", () => {
    const h = [op(0, w("k", "a"), 0, 10, null, "fail"), op(1, r("k"), 100, 110, "a")];
    expect(checkLinearizability(h).verdict).toBe("violation");
  });

  it("checks cas results against the model", () => {
    const h = [op(0, w("k", "a"), 0, 10), op(1, { f: "cas", key: "k", expected: "z", value: "b" }, 20, 30, true)];
    expect(checkLinearizability(h).verdict).toBe("violation");
  });

  it("checks keys independently", () => {
    const h = [op(0, w("x", "1"), 0, 10), op(1, w("y", "2"), 0, 10), op(0, r("y"), 20, 30, "2"), op(1, r("x"), 20, 30, "1")];
    expect(checkLinearizability(h).verdict).toBe("ok");
  });

  it("says unknown instead of searching forever", () => {
    const h = Array.from({ length: 60 }, (_, i) => op(i, w("k", `v${i}`), 0, 1000));
    h.push(op(99, r("k"), 2000, 2010, "nope"));
    expect(checkLinearizability(h, { maxStates: 500 }).verdict).toBe("unknown");
  });

  /**
   * Property: a history generated from a real sequential execution, with each op's window stretched around its
   * linearization point, is linearizable; changing one read to a value never written makes it not linearizable.
   */
  const ops = fc.array(fc.tuple(fc.constantFrom("read", "write", "cas", "append"), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 40 });
  function generate(spec: [string, number, number, number][]): HistoryOp[] {
    const state = new Map<string, KvValue>();
    return spec.map(([f, k, before, after], i) => {
      const key = `k${k}`;
      const value = `v${i}`;
      const o: KvOp = f === "read" ? { f: "read", key } : f === "write" ? { f: "write", key, value } : f === "cas" ? { f: "cas", key, expected: state.get(key) ?? null, value } : { f: "append", key, value };
      const res = kvApply(state.get(key) ?? null, o);
      state.set(key, res.value);
      const point = i * 20;
      return op(i % 5, o, point - before, point + after, res.result);
    });
  }
  fcTest.prop([ops])("accepts every history generated from a sequential execution", (spec) => {
    expect(checkLinearizability(generate(spec)).verdict).toBe("ok");
  });
  fcTest.prop([ops.filter((s) => s.some(([f]) => f === "read"))])("catches a read of a value that was never written (planted bug)", (spec) => {
    const h = generate(spec);
    const read = h.find((x) => x.op.f === "read") as HistoryOp;
    read.result = "never-written";
    expect(checkLinearizability(h).verdict).toBe("violation");
  });
});
