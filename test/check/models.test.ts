/**
 * The checker's models (register, mutex, set, queue, list-append): hand-written histories each way, and the
 * real checker against a brute-force one on thousands of small random histories.
 */
import { fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import {
  type CheckOp,
  listAppendModel,
  type Model,
  mutexModel,
  queueModel,
  registerModel,
  setModel,
} from "../../sim/check/models/index.ts";
import { bruteForceLinearizable } from "./bruteForce.ts";

let id = 0;
function op(
  process: number,
  o: CheckOp,
  invoke: number,
  complete: number | null,
  result: unknown = null,
): HistoryOp<CheckOp> {
  return {
    process,
    client: `c${process}`,
    requestId: id++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome: complete === null ? "info" : "ok",
    result,
  };
}
const verdict = (model: Model<unknown>, h: HistoryOp<CheckOp>[]) => checkLinearizability(h, { model }).verdict;
const K = "k";

describe("the mutex model", () => {
  const m = mutexModel as Model<unknown>;
  it("accepts acquire, release, acquire in turn, and two overlapping acquires with a release between", () => {
    const seq = [
      op(0, { f: "acquire", key: K }, 0, 10),
      op(0, { f: "release", key: K }, 20, 30),
      op(1, { f: "acquire", key: K }, 40, 50),
    ];
    expect(verdict(m, seq)).toBe("ok");
    const overlapping = [
      op(0, { f: "acquire", key: K }, 0, 100),
      op(1, { f: "acquire", key: K }, 0, 100),
      op(0, { f: "release", key: K }, 10, 90),
    ];
    expect(verdict(m, overlapping)).toBe("ok");
  });

  it("rejects two acquires in a row with no release, and a release of a free lock", () => {
    expect(verdict(m, [op(0, { f: "acquire", key: K }, 0, 10), op(1, { f: "acquire", key: K }, 20, 30)])).toBe(
      "violation",
    );
    expect(verdict(m, [op(0, { f: "release", key: K }, 0, 10)])).toBe("violation");
  });
});

describe("the set model", () => {
  const m = setModel as Model<unknown>;
  it("accepts reads of every element added before, in any order, and of a concurrent add or not", () => {
    const h = [
      op(0, { f: "add", key: K, value: "a" }, 0, 10),
      op(0, { f: "add", key: K, value: "b" }, 20, 30),
      op(1, { f: "read", key: K }, 40, 50, ["b", "a"]),
      op(0, { f: "add", key: K, value: "c" }, 60, 100),
      op(1, { f: "read", key: K }, 70, 80, ["a", "b"]),
    ];
    expect(verdict(m, h)).toBe("ok");
  });

  it("rejects a read that misses a completed add, and one with an element never added", () => {
    const lost = [op(0, { f: "add", key: K, value: "a" }, 0, 10), op(1, { f: "read", key: K }, 20, 30, [])];
    expect(verdict(m, lost)).toBe("violation");
    const phantom = [op(1, { f: "read", key: K }, 20, 30, ["z"])];
    expect(verdict(m, phantom)).toBe("violation");
  });
});

describe("the queue model", () => {
  const m = queueModel as Model<unknown>;
  it("accepts dequeues in enqueue order and an empty dequeue on an empty queue", () => {
    const h = [
      op(0, { f: "enqueue", key: K, value: "a" }, 0, 10),
      op(0, { f: "enqueue", key: K, value: "b" }, 20, 30),
      op(1, { f: "dequeue", key: K }, 40, 50, "a"),
      op(1, { f: "dequeue", key: K }, 60, 70, "b"),
      op(1, { f: "dequeue", key: K }, 80, 90, null),
    ];
    expect(verdict(m, h)).toBe("ok");
  });

  it("rejects a dequeue out of FIFO order and an empty dequeue of a non-empty queue", () => {
    const lifo = [
      op(0, { f: "enqueue", key: K, value: "a" }, 0, 10),
      op(0, { f: "enqueue", key: K, value: "b" }, 20, 30),
      op(1, { f: "dequeue", key: K }, 40, 50, "b"),
    ];
    expect(verdict(m, lifo)).toBe("violation");
    const empty = [op(0, { f: "enqueue", key: K, value: "a" }, 0, 10), op(1, { f: "dequeue", key: K }, 20, 30, null)];
    expect(verdict(m, empty)).toBe("violation");
  });
});

describe("the list-append model", () => {
  const m = listAppendModel as Model<unknown>;
  it("accepts reads returning the list so far, as a list or as a comma-joined string", () => {
    const h = [
      op(0, { f: "append", key: K, value: "1" }, 0, 10),
      op(1, { f: "read", key: K }, 20, 30, ["1"]),
      op(0, { f: "append", key: K, value: "2" }, 40, 50),
      op(1, { f: "read", key: K }, 60, 70, "1,2"),
    ];
    expect(verdict(m, h)).toBe("ok");
  });

  it("rejects a read with the elements out of order, and one missing a completed append", () => {
    const order = [
      op(0, { f: "append", key: K, value: "1" }, 0, 10),
      op(0, { f: "append", key: K, value: "2" }, 20, 30),
      op(1, { f: "read", key: K }, 40, 50, ["2", "1"]),
    ];
    expect(verdict(m, order)).toBe("violation");
    const lost = [op(0, { f: "append", key: K, value: "1" }, 0, 10), op(1, { f: "read", key: K }, 20, 30, [])];
    expect(verdict(m, lost)).toBe("violation");
  });
});

// ------------------------------------------------------------------------------- against a brute-force checker

type Spec = { f: number; v: number; r: number; invoke: number; length: number; info: boolean; process: number };
const specs = fc.array(
  fc.record({
    f: fc.nat(3),
    v: fc.nat(2),
    r: fc.nat(7),
    invoke: fc.nat(30),
    length: fc.nat(12),
    info: fc.nat(9).map((n) => n < 2),
    process: fc.nat(3),
  }),
  { minLength: 1, maxLength: 7 },
);
const V = ["a", "b", "c"];
const pick = (n: number) => V[n % 3] as string;
const subset = (n: number) => V.filter((_, i) => (n >> i) & 1);

/** One small random op and result per model; results are random, so both verdicts come up. */
const MAKERS: Record<string, (s: Spec) => [CheckOp, unknown]> = {
  register: (s) => {
    const ops: [CheckOp, unknown][] = [
      [{ f: "read", key: K }, s.r % 4 === 3 ? null : pick(s.r)],
      [{ f: "write", key: K, value: pick(s.v) }, null],
      [{ f: "cas", key: K, expected: s.r % 4 === 3 ? null : pick(s.r), value: pick(s.v) }, s.r % 2 === 0],
      [{ f: "append", key: K, value: pick(s.v) }, null],
    ];
    return ops[s.f] as [CheckOp, unknown];
  },
  mutex: (s) => [{ f: s.f % 2 === 0 ? "acquire" : "release", key: K }, null],
  set: (s) => (s.f % 2 === 0 ? [{ f: "add", key: K, value: pick(s.v) }, null] : [{ f: "read", key: K }, subset(s.r)]),
  queue: (s) =>
    s.f % 2 === 0
      ? [{ f: "enqueue", key: K, value: pick(s.v) }, null]
      : [{ f: "dequeue", key: K }, s.r % 4 === 3 ? null : pick(s.r)],
  "list-append": (s) =>
    s.f % 2 === 0
      ? [{ f: "append", key: K, value: pick(s.v) }, null]
      : [{ f: "read", key: K }, subset(s.r).slice(0, 1 + (s.r % 3))],
};

function history(name: string, list: Spec[]): HistoryOp<CheckOp>[] {
  return list.map((s) => {
    const [o, result] = (MAKERS[name] as (s: Spec) => [CheckOp, unknown])(s);
    return op(s.process, o, s.invoke, s.info ? null : s.invoke + s.length, s.info ? null : result);
  });
}

const MODELS: Model<unknown>[] = [registerModel, mutexModel, setModel, queueModel, listAppendModel] as Model<unknown>[];

/** A model with one planted bug, to show the property below can fail. */
function planted(model: Model<unknown>): Model<unknown> {
  switch (model.name) {
    case "register": // cas always applies
      return { ...model, step: (s, o, r, c) => (o.f === "cas" ? o.value : model.step(s, o, r, c)) };
    case "mutex": // release of a free lock allowed
      return { ...model, step: (s, o, r, c) => (o.f === "release" ? false : model.step(s, o, r, c)) };
    case "queue": // LIFO
      return {
        ...model,
        step: (s, o, r, c) => {
          const q = s as string[];
          if (o.f !== "dequeue") return model.step(s, o, r, c);
          const top = q.length === 0 ? null : (q[q.length - 1] as string);
          return c && (r ?? null) !== top ? undefined : q.slice(0, -1);
        },
      };
    default: // set and list-append: reads never checked
      return { ...model, step: (s, o, r, c) => model.step(s, o, r, c && o.f !== "read") };
  }
}

describe("the checker agrees with a brute-force checker", () => {
  for (const model of MODELS) {
    it(`on 1,000 small random ${model.name} histories`, () => {
      let violations = 0;
      fc.assert(
        fc.property(specs, (list) => {
          const h = history(model.name, list);
          const expected = bruteForceLinearizable(model, h);
          if (!expected) violations++;
          return (verdict(model, h) === "ok") === expected;
        }),
        { numRuns: 1000, seed: 18 },
      );
      // Both verdicts came up: the property compared something.
      expect(violations).toBeGreaterThan(50);
      expect(violations).toBeLessThan(950);
    });

    it(`and the comparison catches a planted bug in the ${model.name} model`, () => {
      const broken = planted(model);
      const r = fc.check(
        fc.property(specs, (list) => {
          const h = history(model.name, list);
          return (verdict(broken, h) === "ok") === bruteForceLinearizable(model, h);
        }),
        { numRuns: 1000, seed: 18 },
      );
      expect(r.failed).toBe(true);
    });
  }
});
