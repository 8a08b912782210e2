import { describe, expect, it } from "vitest";
import { rngStream } from "../../sim/core/rng.ts";
import { sampleLatency } from "../../sim/world/latency.ts";

describe("sampleLatency", () => {
  it("never draws NaN or a negative delay, even from a zero-scale lognormal or Pareto with an extreme tail", () => {
    // lognormal(0ms, 1000) and pareto(0ms, 0.001, 1s) are accepted by the scenario loader: every draw is 0 in theory,
    // but 0 * exp(huge) and 0 * u^(-1/shape) overflow to 0 * Infinity = NaN, which the scheduler refuses.
    const rng = rngStream(1, "latency-test");
    for (let k = 0; k < 2000; k++) {
      const ln = sampleLatency({ kind: "lognormal", medianMicros: 0, sigma: 1000 }, rng);
      const p = sampleLatency({ kind: "pareto", scaleMicros: 0, shape: 0.001, capMicros: 1_000_000 }, rng);
      expect(ln).toBe(0);
      expect(p).toBe(0);
    }
  });
});
