import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import type { Model } from "../../sim/check/models/model.ts";
import type { CheckOp } from "../../sim/check/models/op.ts";
import { registerModel } from "../../sim/check/models/register.ts";
import { searchKey } from "../../sim/check/search.ts";
import { searchKeyPruned, unobservedInfo } from "../../sim/check/searchPruned.ts";
import type { KvOp } from "../../sim/core/protocol.ts";
import { bruteForceLinearizable } from "./bruteForce.ts";

const model = registerModel as Model<unknown>;
let nextId = 1;
function op(process: number, o: KvOp, invoke: number, complete: number | null, result: unknown = null): HistoryOp {
  const outcome = complete === null ? "info" : "ok";
  return {
    process,
    client: `c${process}`,
    requestId: nextId++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome,
    result,
  };
}
const append = (value: string): KvOp => ({ f: "append", key: "k", value });
const sorted = (h: HistoryOp[]) => [...h].sort((a, b) => a.invokeMicros - b.invokeMicros) as HistoryOp<CheckOp>[];

describe("the pruned first try of the linearizability search", () => {
  /** Appends that crashed (info) and that no read shows, around appends and reads that did complete. */
  function crashedAppends(crashed: number): HistoryOp<CheckOp>[] {
    const h: HistoryOp[] = [];
    let shown = "";
    for (let i = 0; i < 8; i++) {
      h.push(op(100 + i, append(`ok${i}`), i * 100, i * 100 + 50));
      shown = shown === "" ? `ok${i}` : `${shown},ok${i}`;
      h.push(op(200 + i, { f: "read", key: "k" }, i * 100 + 60, i * 100 + 70, shown));
    }
    for (let i = 0; i < crashed; i++) h.push(op(i, append(`lost${i}`), i * 7, null));
    return sorted(h);
  }

  it("decides a key whose crashed, unseen appends exhaust the whole search's budget", () => {
    const h = crashedAppends(14);
    expect(unobservedInfo(h).size).toBe(14);
    const budget = { maxStates: 20_000 };
    expect(searchKey(model, h, budget).verdict).toBe("unknown");
    const r = searchKeyPruned(model, h, budget);
    expect(r.verdict).toBe("ok");
    expect(r.explored).toBeLessThanOrEqual(budget.maxStates);
    expect(checkLinearizability(h, { maxStates: 20_000 }).verdict).toBe("ok");
  });

  it("keeps an indeterminate write that a read shows", () => {
    const h = sorted([
      op(0, { f: "write", key: "k", value: "x" }, 0, null),
      op(1, { f: "read", key: "k" }, 10, 20, "x"),
    ]);
    expect(unobservedInfo(h).size).toBe(0);
    expect(searchKeyPruned(model, h, { maxStates: 100 }).verdict).toBe("ok");
  });

  it("falls back to the whole history when the dropped write is what a failed cas saw", () => {
    // Nobody reads "x", but the cas from null failing proves some write took effect: only the crashed one can have.
    const h = sorted([
      op(0, { f: "write", key: "k", value: "x" }, 0, null),
      op(1, { f: "cas", key: "k", expected: null, value: "y" }, 10, 20, false),
    ]);
    expect(unobservedInfo(h).size).toBe(1);
    expect(
      searchKey(
        model,
        h.filter((x) => x.outcome !== "info"),
        { maxStates: 100 },
      ).verdict,
    ).toBe("violation");
    expect(searchKeyPruned(model, h, { maxStates: 100 }).verdict).toBe("ok");
  });

  it("still finds a violation that has unseen crashed writes beside it", () => {
    const h = crashedAppends(6);
    const read = h.find((x) => x.op.f === "read" && x.result === "ok0,ok1") as HistoryOp<CheckOp>;
    read.result = "ok1,ok0";
    expect(searchKeyPruned(model, h, { maxStates: 100_000 }).verdict).toBe("violation");
  });

  /** Random small histories of one key with crashed ops: the pruned search says what brute force says. */
  const spec = fc.array(
    fc.record({
      f: fc.constantFrom("read", "write", "cas", "append"),
      invoke: fc.integer({ min: 0, max: 60 }),
      length: fc.integer({ min: 1, max: 40 }),
      crashed: fc.boolean(),
      pick: fc.integer({ min: 0, max: 7 }),
      flag: fc.boolean(),
    }),
    { minLength: 1, maxLength: 7 },
  );
  fcTest.prop([spec], { numRuns: 300 })("agrees with brute force", (ops) => {
    const values = ops.map((_, i) => `v${i}`);
    const h = ops.map((s, i) => {
      const seen = s.flag ? null : (values[s.pick % values.length] as string);
      const o: KvOp =
        s.f === "read"
          ? { f: "read", key: "k" }
          : s.f === "write"
            ? { f: "write", key: "k", value: values[i] as string }
            : s.f === "cas"
              ? { f: "cas", key: "k", expected: seen, value: values[i] as string }
              : append(values[i] as string);
      const result = s.f === "read" ? seen : s.f === "cas" ? s.flag : undefined;
      return op(i, o, s.invoke, s.crashed ? null : s.invoke + s.length, result);
    });
    const history = sorted(h.filter((x) => !(x.outcome === "info" && x.op.f === "read")));
    const expected = bruteForceLinearizable(model, history);
    const got = searchKeyPruned(model, history, { maxStates: 1_000_000 }).verdict;
    expect(got).toBe(expected ? "ok" : "violation");
  });
});
