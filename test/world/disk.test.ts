import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Disk } from "../../sim/world/disk.ts";

/** The plain definition: a primitive, or a frozen object or array whose values are all deeply frozen. */
function deeplyFrozenReference(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return typeof v !== "function";
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozenReference);
}

/** A pool of elements: deeply frozen, frozen but holding something mutable, and mutable. */
function pool(): object[] {
  const out: object[] = [];
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 0) out.push(Object.freeze({ i, cmd: Object.freeze({ n: i }) }));
    else if (i % 3 === 1) out.push(Object.freeze({ i, cmd: { n: i } }));
    else out.push({ i });
  }
  return out;
}

describe("disk: deeply frozen values", () => {
  it("keeps a deeply frozen value by reference", () => {
    const d = new Disk();
    const v = Object.freeze([Object.freeze({ term: 1, cmd: Object.freeze({ type: "noop" }) })]);
    d.persist("k", v);
    expect(d.read("k")).toBe(v);
  });

  it("copies a frozen value that holds something mutable, even when its other parts were seen frozen before", () => {
    const d = new Disk();
    const frozen = Object.freeze({ a: 1 });
    d.persist("seen", Object.freeze([frozen]));
    const inner = { b: 2 };
    const v = Object.freeze([frozen, inner]);
    d.persist("k", v);
    inner.b = 3;
    expect(d.read("k")).toEqual([{ a: 1 }, { b: 2 }]);
    expect(d.read("k")).not.toBe(v);
  });

  fcTest.prop([
    fc.array(fc.record({ picks: fc.array(fc.nat(11), { maxLength: 8 }), freeze: fc.boolean() }), {
      minLength: 1,
      maxLength: 60,
    }),
  ])(
    "stores an array by reference exactly when it is deeply frozen, however its elements were seen before",
    (arrays) => {
      const elements = pool();
      const d = new Disk();
      arrays.forEach(({ picks, freeze }, k) => {
        const v = picks.map((p) => elements[p] as object);
        if (freeze) Object.freeze(v);
        d.persist(`k${k}`, v);
        expect(d.read(`k${k}`) === v).toBe(deeplyFrozenReference(v));
      });
    },
  );
});

describe("disk: a lying fsync", () => {
  it("acknowledges syncs but loses every write since the lie began on a crash, and stops lying after it", () => {
    const d = new Disk();
    d.persist("a", 1);
    d.sync();
    d.syncLies = true;
    d.persist("a", 2);
    d.persist("b", 3);
    d.sync();
    expect(d.read("a")).toBe(2);
    d.crash(false);
    expect(d.read("a")).toBe(1);
    expect(d.read("b")).toBeUndefined();
    expect(d.syncLies).toBe(false);
    d.persist("a", 4);
    d.sync();
    d.crash(false);
    expect(d.read("a")).toBe(4);
  });

  it("lets a torn write damage a write that was synced while the fsync lied", () => {
    const d = new Disk();
    d.syncLies = true;
    d.persist("log", { entries: [1, 2, 3] });
    d.sync();
    expect(d.crash(true)).toBe("log");
    expect(String(d.read("log"))).toBe("Symbol(faultline.corrupt)");
  });
});
