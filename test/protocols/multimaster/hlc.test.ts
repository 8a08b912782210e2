import { describe, expect, it } from "vitest";
import { compareHlc, type HlcClock, hlcReceive, hlcTick } from "../../../protocols/multimaster/hlc.ts";

describe("the hybrid logical clock", () => {
  it("takes the physical time when it is ahead, else counts up the logical part", () => {
    const c: HlcClock = { wall: 0, logical: 0 };
    expect(hlcTick(c, 100, "n1")).toEqual({ wall: 100, logical: 0, node: "n1" });
    expect(hlcTick(c, 100, "n1")).toEqual({ wall: 100, logical: 1, node: "n1" });
    expect(hlcTick(c, 90, "n1")).toEqual({ wall: 100, logical: 2, node: "n1" });
    expect(hlcTick(c, 150, "n1")).toEqual({ wall: 150, logical: 0, node: "n1" });
  });

  it("moves past a remote stamp ahead of its physical clock, and stays there until physical time passes it", () => {
    const c: HlcClock = { wall: 100, logical: 3 };
    hlcReceive(c, { wall: 500, logical: 7, node: "n2" }, 120);
    expect(c).toEqual({ wall: 500, logical: 8 });
    const a = hlcTick(c, 130, "n1");
    const b = hlcTick(c, 140, "n1");
    expect([a.wall, a.logical, b.wall, b.logical]).toEqual([500, 9, 500, 10]);
    expect(compareHlc(a, { wall: 500, logical: 7, node: "n2" })).toBeGreaterThan(0);
    expect(compareHlc(b, a)).toBeGreaterThan(0);
    expect(hlcTick(c, 600, "n1")).toEqual({ wall: 600, logical: 0, node: "n1" });
  });

  it("receives a stamp behind it by counting up, and one behind physical time by taking the physical time", () => {
    const c: HlcClock = { wall: 200, logical: 2 };
    hlcReceive(c, { wall: 150, logical: 9, node: "n2" }, 100);
    expect(c).toEqual({ wall: 200, logical: 3 });
    hlcReceive(c, { wall: 150, logical: 9, node: "n2" }, 300);
    expect(c).toEqual({ wall: 300, logical: 0 });
    hlcReceive(c, { wall: 300, logical: 5, node: "n2" }, 300);
    expect(c).toEqual({ wall: 300, logical: 6 });
  });

  it("orders stamps by wall, then logical, then node id; the planted bug skips the logical part", () => {
    const x = { wall: 10, logical: 1, node: "n2" };
    const y = { wall: 10, logical: 2, node: "n2" };
    const z = { wall: 10, logical: 2, node: "n1" };
    expect(compareHlc(x, y)).toBeLessThan(0);
    expect(compareHlc(y, z)).toBeGreaterThan(0);
    expect(compareHlc(y, { ...y })).toBe(0);
    expect(compareHlc({ wall: 9, logical: 99, node: "n9" }, x)).toBeLessThan(0);
    expect(compareHlc(x, y, true)).toBe(0);
    expect(compareHlc(x, z, true)).toBeGreaterThan(0);
  });
});
