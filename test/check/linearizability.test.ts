import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { KvOp } from "../../sim/core/protocol.ts";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import { kvApply, type KvValue } from "../../sim/check/models.ts";

let nextId = 1;
function op(
  process: number,
  o: KvOp,
  invoke: number,
  complete: number | null,
  result: unknown = null,
  outcome: HistoryOp["outcome"] = complete === null ? "info" : "ok",
): HistoryOp {
  return {
    process,
    client: `c${process + 1}`,
    requestId: nextId++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome,
    result,
  };
}
const w = (key: string, value: string): KvOp => ({ f: "write", key, value });
const r = (key: string): KvOp => ({ f: "read", key });

describe("linearizability", () => {
  it("accepts a sequential history", () => {
    const h = [
      op(0, w("k", "a"), 0, 10),
      op(0, r("k"), 20, 30, "a"),
      op(1, { f: "cas", key: "k", expected: "a", value: "b" }, 40, 50, true),
      op(1, r("k"), 60, 70, "b"),
    ];
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
    expect(
      checkLinearizability([op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 60), op(1, r("k"), 30, 40, "a")]).verdict,
    ).toBe("ok");
    expect(
      checkLinearizability([op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 60), op(1, r("k"), 30, 40, "b")]).verdict,
    ).toBe("ok");
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

  it("rejects a lost write: a read after a completed write still sees the old value", () => {
    const h = [
      op(0, w("k", "a"), 0, 10),
      op(1, w("k", "b"), 5, 15),
      op(2, r("k"), 20, 30, "b"),
      op(2, r("k"), 40, 50, "a"),
    ];
    expect(checkLinearizability(h).verdict).toBe("violation");
  });

  it("rejects two cas ops that both claim to have replaced the same value", () => {
    const cas = (value: string): KvOp => ({ f: "cas", key: "k", expected: "a", value });
    const h = [op(0, w("k", "a"), 0, 10), op(1, cas("b"), 20, 40, true), op(2, cas("c"), 20, 40, true)];
    expect(checkLinearizability(h).verdict).toBe("violation");
    h[2]!.result = false;
    expect(checkLinearizability(h).verdict).toBe("ok");
  });

  it(
    "assumes an info write happened when a later read saw its value, and rejects a read that contradicts " +
      "every order",
    () => {
      const h = [
        op(0, w("k", "a"), 0, 10),
        op(1, w("k", "b"), 20, null),
        op(2, r("k"), 30, 40, "b"),
        op(2, r("k"), 50, 60, "a"),
      ];
      expect(checkLinearizability(h).verdict).toBe("violation");
      h.pop();
      expect(checkLinearizability(h).verdict).toBe("ok");
    },
  );

  it("never lets an info op take effect before it was invoked", () => {
    const h = [op(0, r("k"), 0, 10, "a"), op(1, w("k", "a"), 20, null)];
    expect(checkLinearizability(h).verdict).toBe("violation");
  });

  it("reads appended values joined by commas", () => {
    const a = (value: string): KvOp => ({ f: "append", key: "k", value });
    expect(
      checkLinearizability([op(0, a("x"), 0, 10), op(0, a("y"), 20, 30), op(1, r("k"), 40, 50, "x,y")]).verdict,
    ).toBe("ok");
    expect(
      checkLinearizability([op(0, a("x"), 0, 10), op(0, a("y"), 20, 30), op(1, r("k"), 40, 50, "y,x")]).verdict,
    ).toBe("violation");
  });

  it("names the key and the op that cannot be placed, with its times", () => {
    const h = [op(0, w("k", "a"), 0, 10), op(0, w("k", "b"), 20, 30), op(1, r("k"), 40, 50, "a")];
    const res = checkLinearizability(h);
    expect(res.message).toMatch(/key k: .*read = "a" \[40us\.\.50us, ok\]/);
    expect(res.ops).toContain(h[2]!.requestId);
  });

  it("checks keys independently", () => {
    const h = [
      op(0, w("x", "1"), 0, 10),
      op(1, w("y", "2"), 0, 10),
      op(0, r("y"), 20, 30, "2"),
      op(1, r("x"), 20, 30, "1"),
    ];
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
  const ops = fc.array(
    fc.tuple(
      fc.constantFrom("read", "write", "cas", "append"),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 30 }),
    ),
    { minLength: 1, maxLength: 40 },
  );
  function generate(spec: [string, number, number, number][]): HistoryOp[] {
    const state = new Map<string, KvValue>();
    return spec.map(([f, k, before, after], i) => {
      const key = `k${k}`;
      const value = `v${i}`;
      const o: KvOp =
        f === "read"
          ? { f: "read", key }
          : f === "write"
            ? { f: "write", key, value }
            : f === "cas"
              ? { f: "cas", key, expected: state.get(key) ?? null, value }
              : { f: "append", key, value };
      const res = kvApply(state.get(key) ?? null, o);
      state.set(key, res.value);
      const point = i * 20;
      return op(i % 5, o, point - before, point + after, res.result);
    });
  }
  fcTest.prop([ops])("accepts every history generated from a sequential execution", (spec) => {
    expect(checkLinearizability(generate(spec)).verdict).toBe("ok");
  });
  fcTest.prop([ops.filter((s) => s.some(([f]) => f === "read"))])(
    "catches a read of a value that was never written (planted bug)",
    (spec) => {
      const h = generate(spec);
      const read = h.find((x) => x.op.f === "read") as HistoryOp;
      read.result = "never-written";
      expect(checkLinearizability(h).verdict).toBe("violation");
    },
  );
  fcTest.prop([ops.filter((s) => s.some(([f]) => f === "write"))])(
    "catches a stale read after two later sequential writes (planted bug)",
    (spec) => {
      const h = generate(spec);
      const end = 20 * spec.length + 100;
      const old = (h.find((x) => x.op.f === "write")!.op as { value: string }).value;
      h.push(
        op(0, w("k0", `${old}-x`), end, end + 10),
        op(1, w("k0", `${old}-y`), end + 20, end + 30),
        op(2, r("k0"), end + 40, end + 50, `${old}-x`),
      );
      expect(checkLinearizability(h).verdict).toBe("violation");
    },
  );
});
