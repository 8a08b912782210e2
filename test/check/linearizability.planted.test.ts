/**
 * The property tests of linearizability.test.ts, run against deliberately broken checkers: each property must fail.
 * A property that passes against a broken checker could never fail, which CONVENTIONS.md calls a defect.
 */
import { fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { HistoryOp, LinearizabilityResult } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import { kvApply, type KvValue } from "../../sim/check/models.ts";
import type { KvOp } from "../../sim/core/protocol.ts";

type Checker = (h: HistoryOp[]) => LinearizabilityResult;
const spec = fc.array(
  fc.tuple(
    fc.constantFrom("read", "write", "cas", "append"),
    fc.integer({ min: 0, max: 1 }),
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 0, max: 30 }),
  ),
  { minLength: 1, maxLength: 40 },
);

function generate(s: [string, number, number, number][]): HistoryOp[] {
  const state = new Map<string, KvValue>();
  return s.map(([f, k, before, after], i) => {
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
    return {
      process: i % 5,
      client: `c${i % 5}`,
      requestId: i,
      op: o,
      invokeMicros: i * 20 - before,
      completeMicros: i * 20 + after,
      outcome: "ok",
      result: res.result,
    };
  });
}

const acceptsGenerated = (check: Checker) => fc.property(spec, (s) => check(generate(s)).verdict === "ok");
const catchesNeverWritten = (check: Checker) =>
  fc.property(
    spec.filter((s) => s.some(([f]) => f === "read")),
    (s) => {
      const h = generate(s);
      (h.find((x) => x.op.f === "read") as HistoryOp).result = "never-written";
      return check(h).verdict === "violation";
    },
  );

/** Broken: appends are checked as writes. */
const appendAsWrite: Checker = (h) =>
  checkLinearizability(
    h.map((x) => (x.op.f === "append" ? { ...x, op: { f: "write", key: x.op.key, value: x.op.value } } : x)),
  );
/** Broken: read results are never compared with the model. */
const ignoresReads: Checker = (h) => checkLinearizability(h.filter((x) => x.op.f !== "read"));

describe("the linearizability properties catch planted checker bugs", () => {
  it("passes both properties with the real checker", () => {
    fc.assert(
      acceptsGenerated((h) => checkLinearizability(h)),
      { numRuns: 200 },
    );
    fc.assert(
      catchesNeverWritten((h) => checkLinearizability(h)),
      { numRuns: 200 },
    );
  });

  it("fails the acceptance property when the checker models append as write", () => {
    expect(() => fc.assert(acceptsGenerated(appendAsWrite), { numRuns: 500 })).toThrow(/Property failed/);
  });

  it("fails the planted-read property when the checker ignores read results", () => {
    expect(() => fc.assert(catchesNeverWritten(ignoresReads), { numRuns: 200 })).toThrow(/Property failed/);
  });
});
