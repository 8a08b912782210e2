import { assert } from "../core/assert.ts";
import type { Rng } from "../core/rng.ts";
import type { Micros } from "../core/types.ts";
import type { LatencyDist } from "../scenario/resolved.ts";
import { assertNever } from "../core/types.ts";

/** Draw one latency from `dist`, as integer microseconds >= 0. */
export function sampleLatency(dist: LatencyDist, rng: Rng): Micros {
  const x = drawLatency(dist, rng);
  // Hot path (one draw per message): compares only, and the message is built only on failure.
  if (!(x >= 0)) assert(false, () => `latency: drew ${x}us from ${JSON.stringify(dist)}, expected >= 0`);
  return x;
}

function drawLatency(dist: LatencyDist, rng: Rng): Micros {
  switch (dist.kind) {
    case "constant":
      return dist.valueMicros;
    case "uniform":
      if (!(dist.minMicros <= dist.maxMicros))
        assert(false, () => `latency: uniform(${dist.minMicros}, ${dist.maxMicros}) with min > max`);
      return Math.round(dist.minMicros + (dist.maxMicros - dist.minMicros) * rng.next());
    case "normal":
      return Math.max(0, Math.round(dist.meanMicros + dist.stddevMicros * rng.normal()));
    // A zero median or scale draws 0 every time; the product is NaN (0 * Infinity) when the other factor overflows.
    case "lognormal": {
      const x = dist.medianMicros * Math.exp(dist.sigma * rng.normal());
      return Number.isNaN(x) ? 0 : Math.round(x);
    }
    case "pareto": {
      if (!(dist.shape > 0)) assert(false, () => `latency: pareto shape ${dist.shape}, expected > 0`);
      let u = rng.next();
      while (u === 0) u = rng.next();
      const x = dist.scaleMicros * u ** (-1 / dist.shape);
      return Number.isNaN(x) ? 0 : Math.min(dist.capMicros, Math.round(x));
    }
    default:
      return assertNever(dist, "latency distribution");
  }
}

/** The mean of `dist` in micros (for summaries and statistical tests). */
export function meanLatency(dist: LatencyDist): number {
  const mean = meanOf(dist);
  // Not `mean >= 0`: a zero lognormal median times an overflowing factor is NaN, as in sampleLatency.
  assert(!(mean < 0), () => `latency: mean ${mean}us of ${JSON.stringify(dist)}, expected >= 0`);
  return mean;
}

function meanOf(dist: LatencyDist): number {
  switch (dist.kind) {
    case "constant":
      return dist.valueMicros;
    case "uniform":
      return (dist.minMicros + dist.maxMicros) / 2;
    case "normal":
      return dist.meanMicros;
    case "lognormal":
      return dist.medianMicros * Math.exp((dist.sigma * dist.sigma) / 2);
    case "pareto":
      return dist.shape > 1 ? (dist.shape * dist.scaleMicros) / (dist.shape - 1) : Number.POSITIVE_INFINITY;
    default:
      return assertNever(dist, "latency distribution");
  }
}
