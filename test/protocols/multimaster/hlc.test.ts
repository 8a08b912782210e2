import { describe, expect, it } from "vitest";
import { hlcCompare, hlcReceive, hlcTick } from "../../../protocols/multimaster/hlc.ts";
import { vvCompare, vvJoin } from "../../../protocols/multimaster/versions.ts";

describe("hybrid logical clock", () => {
  it("follows the physical clock when it moves forward", () => {
    const c = { wall: 0, logical: 0 };
    expect(hlcTick(c, 100, "a")).toEqual({ wall: 100, logical: 0, node: "a" });
    expect(hlcTick(c, 250, "a")).toEqual({ wall: 250, logical: 0, node: "a" });
  });

  it("counts with the logical part when the physical clock stands still or goes back", () => {
    const c = { wall: 0, logical: 0 };
    hlcTick(c, 100, "a");
    expect(hlcTick(c, 100, "a")).toEqual({ wall: 100, logical: 1, node: "a" });
    expect(hlcTick(c, 40, "a")).toEqual({ wall: 100, logical: 2, node: "a" });
  });

  it("moves past a received timestamp from a clock that runs ahead", () => {
    const c = { wall: 100, logical: 0 };
    hlcReceive(c, { wall: 500, logical: 3, node: "b" }, 120);
    expect(c).toEqual({ wall: 500, logical: 4 });
    const next = hlcTick(c, 130, "a");
    expect(next).toEqual({ wall: 500, logical: 5, node: "a" });
    expect(hlcCompare(next, { wall: 500, logical: 3, node: "b" }, false)).toBe(1);
  });

  it("takes the larger logical counter when both walls tie with the physical clock behind", () => {
    const c = { wall: 500, logical: 7 };
    hlcReceive(c, { wall: 500, logical: 2, node: "b" }, 10);
    expect(c).toEqual({ wall: 500, logical: 8 });
    hlcReceive(c, { wall: 400, logical: 9, node: "b" }, 10);
    expect(c).toEqual({ wall: 500, logical: 9 });
    hlcReceive(c, { wall: 400, logical: 9, node: "b" }, 900);
    expect(c).toEqual({ wall: 900, logical: 0 });
  });

  it("orders by wall, then logical, then node id", () => {
    expect(hlcCompare({ wall: 1, logical: 9, node: "z" }, { wall: 2, logical: 0, node: "a" }, false)).toBe(-1);
    expect(hlcCompare({ wall: 2, logical: 1, node: "a" }, { wall: 2, logical: 0, node: "z" }, false)).toBe(1);
    expect(hlcCompare({ wall: 2, logical: 1, node: "b" }, { wall: 2, logical: 1, node: "a" }, false)).toBe(1);
    expect(hlcCompare({ wall: 2, logical: 1, node: "a" }, { wall: 2, logical: 1, node: "a" }, false)).toBe(0);
  });

  it("ties two timestamps of one node within one wall value when the logical counter is ignored (the bug)", () => {
    const a = { wall: 2, logical: 0, node: "a" };
    const b = { wall: 2, logical: 1, node: "a" };
    expect(hlcCompare(b, a, false)).toBe(1);
    expect(hlcCompare(b, a, true)).toBe(0);
  });
});

describe("version vectors", () => {
  it("tells before, after, equal and concurrent apart", () => {
    expect(vvCompare({ a: 1 }, { a: 2 })).toBe("before");
    expect(vvCompare({ a: 2, b: 1 }, { a: 2 })).toBe("after");
    expect(vvCompare({ a: 2 }, { a: 2, b: 0 })).toBe("equal");
    expect(vvCompare({ a: 2 }, { b: 1 })).toBe("concurrent");
    expect(vvCompare({ a: 2, b: 1 }, { a: 1, b: 2 })).toBe("concurrent");
  });

  it("joins to the least vector above its inputs, keys sorted", () => {
    const j = vvJoin([{ b: 3, a: 1 }, { a: 2 }]);
    expect(j).toEqual({ a: 2, b: 3 });
    expect(Object.keys(j)).toEqual(["a", "b"]);
  });
});
