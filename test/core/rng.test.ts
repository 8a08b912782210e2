import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { rngStream } from "../../sim/core/rng.ts";

describe("rng streams", () => {
  it("the same seed and name give the same stream", () => {
    const a = rngStream(42, "network");
    const b = rngStream(42, "network");
    expect(Array.from({ length: 50 }, () => a.next())).toEqual(Array.from({ length: 50 }, () => b.next()));
  });

  it("different names or seeds give different streams", () => {
    const draw = (seed: number, name: string) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(rngStream(seed, name)),
      );
    expect(draw(1, "network")).not.toEqual(draw(1, "faults"));
    expect(draw(1, "network")).not.toEqual(draw(2, "network"));
  });

  it("draws integers in range and normals with the right moments", () => {
    const r = rngStream(3, "t");
    const ints = Array.from({ length: 10_000 }, () => r.int(7));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(6);
    const ns = Array.from({ length: 20_000 }, () => r.normal());
    const m = ns.reduce((a, b) => a + b, 0) / ns.length;
    const v = ns.reduce((a, b) => a + (b - m) ** 2, 0) / ns.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
  });

  it("is seedrandom's alea, number for number", () => {
    for (const [seed, name] of [
      [1, "network"],
      [7, "node:n3"],
      ["abc", "faults"],
    ] as const) {
      const ours = rngStream(seed, name);
      const theirs = seedrandom.alea(`faultline/${seed}/${name}`);
      for (let i = 0; i < 100_000; i++) {
        const a = ours.next();
        const b = theirs();
        if (a !== b) expect.unreachable(`draw ${i} of ${seed}/${name}: ${a} !== ${b}`);
      }
    }
  });
});
