import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KvOp } from "../../../sim/core/protocol.ts";
import { kvApply, type KvValue } from "../../../protocols/kv/kv.ts";

/** A store built on a KV state machine: what a replica does with each op. */
class Store {
  readonly values = new Map<string, KvValue>();
  constructor(private readonly apply: (current: KvValue, op: KvOp) => { value: KvValue; result: unknown }) {}
  run(op: KvOp): unknown {
    const { value, result } = this.apply(this.values.get(op.key) ?? null, op);
    if (value === null) this.values.delete(op.key);
    else this.values.set(op.key, value);
    return result;
  }
}

/** The model: a Map from key to string, written out op by op from the documented semantics. */
type Model = Map<string, string>;

class OpCommand implements fc.Command<Model, Store> {
  constructor(readonly op: KvOp) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Store): void {
    const op = this.op;
    const before = model.get(op.key);
    let expected: unknown = null;
    switch (op.f) {
      case "read":
        expected = before ?? null;
        break;
      case "write":
        model.set(op.key, op.value);
        break;
      case "cas":
        expected = (before ?? null) === op.expected;
        if (expected) model.set(op.key, op.value);
        break;
      case "append":
        model.set(op.key, before === undefined ? op.value : `${before},${op.value}`);
        break;
    }
    expect(real.run(op)).toEqual(expected);
    expect(Object.fromEntries(real.values)).toEqual(Object.fromEntries(model));
  }
  toString(): string {
    return JSON.stringify(this.op);
  }
}

const key = fc.constantFrom("k0", "k1");
const value = fc.constantFrom("a", "b", "c");
const commands = fc.commands(
  [
    key.map((k) => new OpCommand({ f: "read", key: k })),
    fc.tuple(key, value).map(([k, v]) => new OpCommand({ f: "write", key: k, value: v })),
    fc
      .tuple(key, fc.option(value, { nil: null }), value)
      .map(([k, e, v]) => new OpCommand({ f: "cas", key: k, expected: e, value: v })),
    fc.tuple(key, value).map(([k, v]) => new OpCommand({ f: "append", key: k, value: v })),
  ],
  { maxCommands: 40 },
);

function property(apply: (current: KvValue, op: KvOp) => { value: KvValue; result: unknown }) {
  return fc.property(commands, (cmds) => {
    fc.modelRun(() => ({ model: new Map<string, string>(), real: new Store(apply) }), cmds);
  });
}

describe("the protocols' KV state machine against a Map", () => {
  it("answers and stores every sequence of reads, writes, cas and appends as the Map model does", () => {
    fc.assert(property(kvApply), { numRuns: 300 });
  });

  it("catches a planted bug: a cas that matches an absent key against any expected value", () => {
    const buggy = (current: KvValue, op: KvOp) =>
      op.f === "cas" && current === null ? { value: op.value, result: true } : kvApply(current, op);
    const r = fc.check(property(buggy), { numRuns: 300, seed: 17 });
    expect(r.failed).toBe(true);
  });
});
