import { describe, expect, it } from "vitest";
import type { LatencyDist, PartitionSpec } from "../../sim/scenario/resolved.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { link, scenario } from "./fixtures.ts";
import { testRegistry } from "./probe.ts";

const registry = testRegistry();

function probeRun(opts: {
  latency?: LatencyDist;
  loss?: number;
  duplicate?: number;
  count?: number;
  bytes?: number;
  bandwidth?: number | null;
  block?: number;
  gapMicros?: number;
  seed?: number;
}) {
  const l = link({
    latency: opts.latency ?? { kind: "constant", valueMicros: 1000 },
    loss: opts.loss ?? 0,
    duplicate: opts.duplicate ?? 0,
    bandwidthBytesPerSecond: opts.bandwidth ?? null,
    blockBytes: opts.block ?? 1,
  });
  const s = scenario({
    protocol: {
      name: "probe",
      options: {
        senders: ["n1"],
        to: "n2",
        count: opts.count ?? 20_000,
        bytes: opts.bytes ?? 100,
        gapMicros: opts.gapMicros ?? 0,
      },
    },
    topology: { datacenters: [{ name: "a", nodes: ["n1", "n2", "n3"] }] },
    network: { intraDc: l, interDc: l, links: [] },
    durationMicros: 600_000_000,
    seed: opts.seed ?? 7,
  });
  const r = runScenario(s, { registry, sink: "record" });
  const events = [...(r.trace?.events() ?? [])];
  const latencies = events
    .filter((e): e is Extract<TraceEvent, { k: "deliver" }> => e.k === "deliver")
    .map((e) => e.t - e.st);
  return { r, events, latencies };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * xs.length)] as number;

describe("network", () => {
  it("loses messages at the configured rate", () => {
    const { r } = probeRun({ loss: 0.2, count: 20_000 });
    const rate = r.messages.dropsByReason.loss / r.messages.sent;
    // binomial stddev for n=20000, p=0.2 is 0.0028; allow 4 sigma
    expect(Math.abs(rate - 0.2)).toBeLessThan(0.012);
    expect(r.messages.delivered + r.messages.dropped).toBe(r.messages.sent);
  });

  it("duplicates messages at the configured rate, each copy with its own id", () => {
    const { r, events } = probeRun({ duplicate: 0.1, count: 20_000 });
    expect(Math.abs(r.messages.duplicated / r.messages.sent - 0.1)).toBeLessThan(0.009);
    expect(r.messages.delivered).toBe(r.messages.sent + r.messages.duplicated);
    const ids = events.filter((e) => e.k === "deliver").map((e) => (e as { i: number }).i);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws constant, uniform, normal, lognormal and Pareto latencies that match their parameters", () => {
    expect(new Set(probeRun({ latency: { kind: "constant", valueMicros: 1234 }, count: 2000 }).latencies)).toEqual(
      new Set([1234]),
    );
    const u = probeRun({ latency: { kind: "uniform", minMicros: 10_000, maxMicros: 30_000 } }).latencies;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...u)).toBeLessThanOrEqual(30_000);
    expect(Math.abs(mean(u) - 20_000)).toBeLessThan(250);
    expect(Math.abs(std(u) - 20_000 / Math.sqrt(12))).toBeLessThan(200);
    const n = probeRun({ latency: { kind: "normal", meanMicros: 50_000, stddevMicros: 5_000 } }).latencies;
    expect(Math.abs(mean(n) - 50_000)).toBeLessThan(200);
    expect(Math.abs(std(n) - 5_000)).toBeLessThan(200);
    const ln = probeRun({ latency: { kind: "lognormal", medianMicros: 40_000, sigma: 0.5 } }).latencies;
    expect(Math.abs(quantile(ln, 0.5) - 40_000) / 40_000).toBeLessThan(0.03);
    expect(Math.abs(std(ln.map(Math.log)) - 0.5)).toBeLessThan(0.02);
    const p = probeRun({ latency: { kind: "pareto", scaleMicros: 10_000, shape: 2, capMicros: 10_000_000 } }).latencies;
    expect(Math.min(...p)).toBeGreaterThanOrEqual(10_000);
    // P(X > 2*scale) = 2^-shape = 0.25
    expect(Math.abs(p.filter((x) => x > 20_000).length / p.length - 0.25)).toBeLessThan(0.015);
    expect(Math.abs(mean(p) - 20_000) / 20_000).toBeLessThan(0.1);
  });

  it("reorders messages through latency jitter", () => {
    const { events } = probeRun({ latency: { kind: "uniform", minMicros: 1000, maxMicros: 50_000 }, count: 500 });
    const order = events.filter((e) => e.k === "deliver").map((e) => (e as { i: number }).i);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it("delays a message of n blocks of d bytes by n*d/b and queues messages behind each other", () => {
    // 10 messages of 1000 bytes in 512-byte blocks (2 blocks = 1024 bytes on the wire) at 1,024,000 B/s: 1000us each.
    const { latencies } = probeRun({
      latency: { kind: "constant", valueMicros: 5000 },
      bandwidth: 1_024_000,
      block: 512,
      bytes: 1000,
      count: 10,
    });
    expect(latencies).toEqual(Array.from({ length: 10 }, (_, k) => 5000 + 1000 * (k + 1)));
  });

  it("does not queue messages sent after the link has drained", () => {
    const { latencies } = probeRun({
      latency: { kind: "constant", valueMicros: 5000 },
      bandwidth: 1_000_000,
      bytes: 1000,
      count: 5,
      gapMicros: 10_000,
    });
    expect(latencies).toEqual([6000, 6000, 6000, 6000, 6000]);
  });
});

describe("link state", () => {
  it("a link that goes down drops what is on it and what is sent over it until it comes back up", () => {
    // n1 (DC a) sends to n3 (DC b) every ms over a 50ms link, which is down from 100ms to 300ms.
    const s = scenario({
      protocol: { name: "probe", options: { senders: ["n1"], to: "n3", count: 500, gapMicros: 1000 } },
      topology: {
        datacenters: [
          { name: "a", nodes: ["n1"] },
          { name: "b", nodes: ["n3"] },
        ],
      },
      network: { intraDc: link(), interDc: link({ latency: { kind: "constant", valueMicros: 50_000 } }), links: [] },
      durationMicros: 1_000_000,
      faults: {
        schedule: [
          { atMicros: 100_000, action: "link", from: "a", to: "b", oneWay: false, change: { up: false } },
          { atMicros: 300_000, action: "link", from: "a", to: "b", oneWay: false, change: { up: true } },
          // A partition over the same time: a message both would drop is a link-down drop, at send and on arrival.
          {
            atMicros: 100_000,
            action: "partition",
            id: "p",
            spec: { kind: "symmetric", groups: [["n1"], ["n3"]] },
            healAfterMicros: 200_000,
          },
        ],
        random: null,
      },
    });
    const r = runScenario(s, { registry, sink: "record" });
    const events = [...(r.trace?.events() ?? [])];
    const delivered = events.filter((e): e is Extract<TraceEvent, { k: "deliver" }> => e.k === "deliver");
    // Nothing arrives while the link is down, whenever it was sent; everything sent while it is up and arriving
    // while it is up gets through.
    expect(delivered.filter((e) => e.t >= 100_000 && e.t < 300_000)).toEqual([]);
    expect(delivered.filter((e) => e.st < 50_000 || e.st >= 300_000)).toHaveLength(delivered.length);
    const drops = events.filter((e) => e.k === "drop");
    expect(drops.every((e) => (e as { why: string }).why === "link-down")).toBe(true);
    // 50 in flight when it went down (sent from 50ms to 99ms), 200 sent while it was down.
    expect(r.messages.dropsByReason["link-down"]).toBe(250);
    expect(r.messages.delivered).toBe(250);
  });
});

describe("partitions", () => {
  /** Every node sends 200 messages to every other node, one per ms, during a partition from 0 to the end. */
  function blockedPairs(spec: PartitionSpec, healAtMicros: number | null = null) {
    const nodes = ["n1", "n2", "n3", "n4"];
    const s = scenario({
      protocol: { name: "probe", options: {} },
      topology: {
        datacenters: [
          { name: "a", nodes: ["n1", "n2"] },
          { name: "b", nodes: ["n3", "n4"] },
        ],
      },
      durationMicros: 1_000_000,
      faults: {
        schedule: [
          { atMicros: 0, action: "partition", id: "p", spec, healAfterMicros: null },
          ...(healAtMicros === null ? [] : [{ atMicros: healAtMicros, action: "heal" as const, id: "p" }]),
        ],
        random: null,
      },
    });
    const results = new Map<string, boolean>();
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        const r = runScenario(
          { ...s, protocol: { name: "probe", options: { senders: [from], to, count: 200, gapMicros: 1000 } } },
          { registry, sink: "none" },
        );
        results.set(`${from}->${to}`, r.messages.delivered < r.messages.sent);
      }
    }
    return [...results]
      .filter(([, blocked]) => blocked)
      .map(([pair]) => pair)
      .sort();
  }

  it("a symmetric partition blocks both directions between groups and nothing inside them", () => {
    expect(
      blockedPairs({
        kind: "symmetric",
        groups: [
          ["n1", "n2"],
          ["n3", "n4"],
        ],
      }),
    ).toEqual(["n1->n3", "n1->n4", "n2->n3", "n2->n4", "n3->n1", "n3->n2", "n4->n1", "n4->n2"]);
  });

  it("a one-way partition blocks only its direction", () => {
    expect(blockedPairs({ kind: "oneway", from: ["n1"], to: ["n3", "n4"] })).toEqual(["n1->n3", "n1->n4"]);
  });

  it("a bridge node talks to both sides while the sides cannot talk to each other", () => {
    expect(
      blockedPairs({
        kind: "bridge",
        sides: [
          ["n1", "n2"],
          ["n3", "n4"],
        ],
        bridge: "n2",
      }),
    ).toEqual(["n1->n3", "n1->n4", "n3->n1", "n4->n1"]);
  });

  it("isolating a datacenter cuts it off from every other datacenter", () => {
    expect(blockedPairs({ kind: "isolate-dc", dc: "b" })).toEqual([
      "n1->n3",
      "n1->n4",
      "n2->n3",
      "n2->n4",
      "n3->n1",
      "n3->n2",
      "n4->n1",
      "n4->n2",
    ]);
  });

  it("healing restores every direction", () => {
    const s = scenario({
      protocol: { name: "probe", options: { senders: ["n1"], to: "n3", count: 1000, gapMicros: 1000 } },
      durationMicros: 2_000_000,
      faults: {
        schedule: [
          {
            atMicros: 0,
            action: "partition",
            id: "p",
            spec: { kind: "symmetric", groups: [["n1"], ["n3"]] },
            healAfterMicros: 500_000,
          },
        ],
        random: null,
      },
    });
    const r = runScenario(s, { registry, sink: "record" });
    const delivered = [...(r.trace?.events() ?? [])].filter((e) => e.k === "deliver").map((e) => e.t);
    expect(Math.min(...delivered)).toBeGreaterThanOrEqual(500_000);
    expect(r.messages.dropsByReason.partition).toBeGreaterThan(400);
    expect(r.messages.dropsByReason.partition).toBeLessThan(600);
  });
});
