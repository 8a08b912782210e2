import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rngStream } from "../../sim/core/rng.ts";
import type { LatencyDist, PartitionSpec } from "../../sim/scenario/resolved.ts";
import { sampleLatency } from "../../sim/world/latency.ts";
import { Partitions } from "../../sim/world/partitions.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { Topology } from "../../sim/world/topology.ts";
import { link, scenario } from "./fixtures.ts";
import { testRegistry } from "./probe.ts";

/** Standard normal quantiles. */
const Z: Record<number, number> = { 0.1: -1.2815516, 0.5: 0, 0.9: 1.2815516 };
const SAMPLES = 4_000;

/** The q-quantile of a distribution, from its parameters. */
function quantileOf(d: LatencyDist, q: number): number {
  const z = Z[q] as number;
  switch (d.kind) {
    case "constant":
      return d.valueMicros;
    case "uniform":
      return d.minMicros + q * (d.maxMicros - d.minMicros);
    case "normal":
      return d.meanMicros + z * d.stddevMicros;
    case "lognormal":
      return d.medianMicros * Math.exp(d.sigma * z);
    case "pareto":
      return Math.min(d.capMicros, d.scaleMicros * (1 - q) ** (-1 / d.shape));
  }
}

const latencyDistArb: fc.Arbitrary<LatencyDist> = fc.oneof(
  fc.integer({ min: 1_000, max: 100_000 }).map((v): LatencyDist => ({ kind: "constant", valueMicros: v })),
  fc
    .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.integer({ min: 1_000, max: 100_000 }))
    .map(([a, w]): LatencyDist => ({ kind: "uniform", minMicros: a, maxMicros: a + w })),
  fc
    .tuple(fc.integer({ min: 10_000, max: 100_000 }), fc.integer({ min: 1, max: 25 }))
    .map(([m, pct]): LatencyDist => ({ kind: "normal", meanMicros: m, stddevMicros: Math.round((m * pct) / 100) })),
  fc
    .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.integer({ min: 5, max: 150 }))
    .map(([m, s]): LatencyDist => ({ kind: "lognormal", medianMicros: m, sigma: s / 100 })),
  fc
    .tuple(fc.integer({ min: 1_000, max: 50_000 }), fc.integer({ min: 11, max: 40 }))
    .map(([s, a]): LatencyDist => ({ kind: "pareto", scaleMicros: s, shape: a / 10, capMicros: s * 1_000 })),
);

/**
 * For each of the 10%, 50% and 90% quantiles q of the parameters, the share of samples at or below it is q within
 * five standard errors (sqrt(q (1 - q) / n)) plus the one-microsecond rounding of each draw.
 */
function quantilesMatch(sample: (d: LatencyDist, seed: number) => number[]) {
  return fc.property(latencyDistArb, fc.nat(), (d, seed) => {
    const xs = sample(d, seed);
    for (const q of [0.1, 0.5, 0.9]) {
      const at = quantileOf(d, q);
      const share = xs.filter((x) => x <= at + 1).length / xs.length;
      const below = xs.filter((x) => x < at - 1).length / xs.length;
      const tolerance = 5 * Math.sqrt((q * (1 - q)) / xs.length);
      if (d.kind === "constant") expect(xs.every((x) => x === d.valueMicros)).toBe(true);
      else {
        expect(share, `${JSON.stringify(d)} q${q}`).toBeGreaterThanOrEqual(q - tolerance);
        expect(below, `${JSON.stringify(d)} q${q}`).toBeLessThanOrEqual(q + tolerance);
      }
    }
  });
}

function engineSamples(d: LatencyDist, seed: number): number[] {
  const rng = rngStream(seed, "latency-property");
  return Array.from({ length: SAMPLES }, () => sampleLatency(d, rng));
}

const registry = testRegistry();

/** Send `count` probes n1 -> n2 over a link with `loss` and `duplicate`; what arrived and how many were copies. */
function probeCounts(loss: number, duplicate: number, count: number, seed: number) {
  const l = link({ latency: { kind: "constant", valueMicros: 1000 }, loss, duplicate });
  const s = scenario({
    protocol: { name: "probe", options: { senders: ["n1"], to: "n2", count, bytes: 100, gapMicros: 0 } },
    topology: { datacenters: [{ name: "a", nodes: ["n1", "n2"] }] },
    network: { intraDc: l, interDc: l, links: [] },
    durationMicros: 10_000_000,
    seed,
    trace: { enabled: false, recordMessages: false },
  });
  const r = runScenario(s, { registry, sink: "none" });
  return { delivered: r.messages.delivered, duplicated: r.messages.duplicated, lost: r.messages.dropsByReason.loss };
}

/** Within five standard deviations of a binomial(n, p) count (and one message of slack). */
function nearBinomial(got: number, n: number, p: number): boolean {
  return Math.abs(got - n * p) <= 5 * Math.sqrt(n * p * (1 - p)) + 1;
}

function ratesMatch(offset: number) {
  return fc.property(
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 30 }),
    fc.nat(),
    (lossPct, dupPct, seed) => {
      const n = 2_000;
      const { lost, duplicated } = probeCounts(lossPct / 100, dupPct / 100, n, seed);
      expect(nearBinomial(lost, n, Math.min(1, lossPct / 100 + offset)), `lost ${lost} of ${n} at ${lossPct}%`).toBe(
        true,
      );
      // Duplicates are drawn for each message that is not lost.
      expect(nearBinomial(duplicated, n - lost, dupPct / 100), `${duplicated} copies at ${dupPct}%`).toBe(true);
    },
  );
}

/** A topology of 2..6 nodes in 1..3 datacenters, with one client per datacenter. */
const topologyArb = fc
  .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
  .filter((c) => c.reduce((a, b) => a + b, 0) >= 3);

function topologyOf(counts: number[]): Topology {
  let k = 0;
  const datacenters = counts.map((c, i) => ({ name: `d${i + 1}`, nodes: Array.from({ length: c }, () => `n${++k}`) }));
  const s = scenario({ topology: { datacenters } });
  return new Topology({ ...s, workload: { ...s.workload, clients: counts.length } });
}

const partitionArb = (t: Topology): fc.Arbitrary<PartitionSpec> => {
  const ids = t.nodeIds;
  const sides = fc
    .array(fc.integer({ min: 0, max: 2 }), { minLength: ids.length, maxLength: ids.length })
    .map((side) => [0, 1, 2].map((s) => ids.filter((_, i) => side[i] === s)));
  const dcs = [...new Set(ids.map((id) => t.dcName(t.indexOf(id))))];
  return fc.oneof(
    sides.map((g): PartitionSpec => ({ kind: "symmetric", groups: g.filter((x) => x.length > 0) })),
    sides.map((g): PartitionSpec => ({ kind: "oneway", from: g[0] as string[], to: g[1] as string[] })),
    fc.tuple(sides, fc.nat()).map(([g, b]): PartitionSpec => {
      const bridge = ids[b % ids.length] as string;
      const not = (x: string[]) => x.filter((n) => n !== bridge);
      return { kind: "bridge", bridge, sides: [not(g[0] as string[]), not(g[1] as string[])] };
    }),
    fc.constantFrom(...dcs).map((dc): PartitionSpec => ({ kind: "isolate-dc", dc })),
  );
};

/** The definition: may endpoint `a` send to endpoint `b` under `spec`? (clients count only for DC isolation). */
function expectedBlocked(t: Topology, spec: PartitionSpec, a: number, b: number): boolean {
  const isNode = (e: number) => e < t.nodeCount;
  const id = (e: number) => t.nodeIds[e] as string;
  const dcOf = (e: number) => t.dcName(e);
  switch (spec.kind) {
    case "symmetric": {
      if (!isNode(a) || !isNode(b)) return false;
      const ga = spec.groups.findIndex((g) => g.includes(id(a)));
      const gb = spec.groups.findIndex((g) => g.includes(id(b)));
      return ga >= 0 && gb >= 0 && ga !== gb;
    }
    case "oneway":
      return isNode(a) && isNode(b) && spec.from.includes(id(a)) && spec.to.includes(id(b));
    case "bridge": {
      if (!isNode(a) || !isNode(b) || id(a) === spec.bridge || id(b) === spec.bridge) return false;
      const [x, y] = spec.sides;
      return (x.includes(id(a)) && y.includes(id(b))) || (y.includes(id(a)) && x.includes(id(b)));
    }
    case "isolate-dc":
      return a !== b && (dcOf(a) === spec.dc) !== (dcOf(b) === spec.dc);
  }
}

function partitionsMatch(make: (t: Topology) => Partitions) {
  return fc.property(
    topologyArb.chain((counts) => fc.tuple(fc.constant(counts), partitionArb(topologyOf(counts)))),
    ([counts, spec]) => {
      const t = topologyOf(counts);
      const p = make(t);
      p.start("p", spec);
      for (let a = 0; a < t.endpointCount; a++)
        for (let b = 0; b < t.endpointCount; b++)
          expect(p.blocked(a, b), `${a} -> ${b} under ${JSON.stringify(spec)}`).toBe(
            a !== b && expectedBlocked(t, spec, a, b),
          );
      p.heal("p");
      for (let a = 0; a < t.endpointCount; a++)
        for (let b = 0; b < t.endpointCount; b++) expect(p.blocked(a, b)).toBe(false);
    },
  );
}

describe("the world's statistics match their parameters", () => {
  it("draws latencies whose 10%, 50% and 90% quantiles match every distribution's parameters", () => {
    fc.assert(quantilesMatch(engineSamples), { numRuns: 60 });
  });

  it("the latency property catches a planted bug: a normal distribution drawn with twice its deviation", () => {
    const buggy = (d: LatencyDist, seed: number) =>
      engineSamples(d.kind === "normal" ? { ...d, stddevMicros: d.stddevMicros * 2 } : d, seed);
    expect(fc.check(quantilesMatch(buggy), { numRuns: 100, seed: 3 }).failed).toBe(true);
  });

  it("loses and duplicates messages at the configured rates", () => {
    fc.assert(ratesMatch(0), { numRuns: 15 });
  });

  it("the rate property is tight enough to catch a network that loses 5 points more than configured", () => {
    expect(fc.check(ratesMatch(0.05), { numRuns: 15, seed: 3 }).failed).toBe(true);
  });
});

describe("partitions block exactly the directions they should", () => {
  it("symmetric, one-way, bridge and DC-isolation partitions block exactly their directions, and a heal none", () => {
    fc.assert(
      partitionsMatch((t) => new Partitions(t)),
      { numRuns: 200 },
    );
  });

  it("the partition property catches a planted bug: a one-way partition that blocks the other direction", () => {
    class Swapped extends Partitions {
      override start(id: string, spec: PartitionSpec) {
        return super.start(id, spec.kind === "oneway" ? { kind: "oneway", from: spec.to, to: spec.from } : spec);
      }
    }
    expect(
      fc.check(
        partitionsMatch((t) => new Swapped(t)),
        { numRuns: 200, seed: 3 },
      ).failed,
    ).toBe(true);
  });
});
