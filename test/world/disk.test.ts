import { describe, expect, it } from "vitest";
import { Disk } from "../../sim/world/disk.ts";

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
});
