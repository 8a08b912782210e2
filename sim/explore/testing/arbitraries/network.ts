/**
 * Network settings as fast-check arbitraries, in the scenario file's words: latency distributions ("3ms",
 * "uniform(1ms, 5ms)", "normal(...)", "lognormal(...)", "pareto(...)"), loss and duplication rates. Shrinks toward
 * a constant latency and no loss or duplication.
 */
import fc from "fast-check";

/** One link's settings as the scenario loader takes them. */
export interface LinkFile {
  latency: string;
  loss?: number;
  duplicate?: number;
}

export interface NetworkFile {
  intraDc: LinkFile;
  interDc: LinkFile;
}

export interface NetworkArbOptions {
  /** Highest loss rate drawn (default 0.1). */
  maxLoss?: number;
  /** Highest duplication rate drawn (default 0.05). */
  maxDuplicate?: number;
}

/** A latency distribution around a base of `baseMicros` (the scale of the link), as scenario text. */
export function latencyArb(baseMicros: number): fc.Arbitrary<string> {
  const us = (n: number) => `${Math.max(1, Math.round(n))}us`;
  const scale = fc.integer({ min: 1, max: 4 }).map((k) => (baseMicros * k) / 2);
  return fc.oneof(
    { withCrossShrink: true },
    scale.map((m) => us(m)),
    fc.tuple(scale, fc.integer({ min: 1, max: 4 })).map(([m, w]) => `uniform(${us(m)}, ${us(m * (1 + w))})`),
    fc.tuple(scale, fc.integer({ min: 1, max: 4 })).map(([m, w]) => `normal(${us(m)}, ${us((m * w) / 8)})`),
    fc.tuple(scale, fc.integer({ min: 1, max: 8 })).map(([m, s]) => `lognormal(${us(m)}, ${s / 10})`),
    fc.tuple(scale, fc.integer({ min: 11, max: 30 })).map(([m, a]) => `pareto(${us(m)}, ${a / 10}, ${us(m * 20)})`),
  );
}

/** A rate in [0, max] in steps of max/100, shrinking to 0 (and left out when 0). */
function rateArb(max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 100 }).map((k) => Math.round(((max * k) / 100) * 1e6) / 1e6);
}

function linkArb(baseMicros: number, o: NetworkArbOptions): fc.Arbitrary<LinkFile> {
  return fc
    .record({
      latency: latencyArb(baseMicros),
      loss: rateArb(o.maxLoss ?? 0.1),
      duplicate: rateArb(o.maxDuplicate ?? 0.05),
    })
    .map(({ latency, loss, duplicate }) => ({
      latency,
      ...(loss > 0 ? { loss } : {}),
      ...(duplicate > 0 ? { duplicate } : {}),
    }));
}

/** Network defaults inside a datacenter (around 1ms) and between datacenters (around 40ms). */
export function networkArb(o: NetworkArbOptions = {}): fc.Arbitrary<NetworkFile> {
  return fc.record({ intraDc: linkArb(1_000, o), interDc: linkArb(40_000, o) });
}
