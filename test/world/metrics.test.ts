import { describe, expect, it } from "vitest";
import { checkMetricSpecs, type MetricSpec, percentileOf, summariseSeries } from "../../sim/core/metrics.ts";
import type { Protocol } from "../../sim/core/protocol.ts";
import { defineOptions } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { parseTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { z } from "zod";
import { scenario } from "./fixtures.ts";
import { buildModel } from "../../viz/src/model.ts";
import { protocolSeries } from "../../viz/src/metrics.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";

/**
 * A test protocol that measures itself: n1 sends a ping to every peer each 100ms; a receiver records the one-way
 * delay as `delay` (labelled by the sender) and counts the bytes it got; an observer counts steps and, at the end,
 * records how many nodes are up.
 */
interface S {
  pings: number;
}
type M = { type: "ping"; sentAt: number };
const meter: Protocol<S, M, never, Record<string, never>> = {
  name: "meter",
  description: "test-only: records metrics",
  options: defineOptions(() => z.object({})),
  create: () => ({ pings: 0 }),
  step: (s, input, ctx) => {
    if (input.kind === "start" && ctx.id === "n1") ctx.setTimer("tick", 100_000);
    else if (input.kind === "timer") {
      for (const p of ctx.peers) ctx.send(p, { type: "ping", sentAt: ctx.now() });
      s.pings++;
      ctx.setTimer("tick", 100_000);
    } else if (input.kind === "message") {
      ctx.metric("delay", ctx.now() - input.msg.sentAt, input.from);
      ctx.metric("bytes-in", 64);
    }
  },
  view: (s) => ({ pings: s.pings }),
  messageSize: () => 64,
  invariants: [],
  metrics: [
    { name: "delay", kind: "sample", unit: "micros", description: "one-way delay of a ping", label: "sender" },
    { name: "bytes-in", kind: "counter", unit: "bytes", description: "bytes received" },
    { name: "up-at-end", kind: "gauge", unit: "count", description: "nodes up when the run ended" },
    { name: "steps", kind: "counter", unit: "count", description: "steps seen by the observer" },
  ],
  observers: [
    {
      name: "counter",
      description: "counts steps, and the nodes up at the end",
      create: () => ({
        step: (ctx) => ctx.metric("steps", 1),
        finish: (ctx) => ctx.metric("up-at-end", ctx.up.filter((u) => u).length),
      }),
    },
  ],
  bugs: {},
};

function registry(p: Protocol<S, M, never, Record<string, never>> = meter): ProtocolRegistry {
  return new ProtocolRegistry().register(p);
}

const fixed = { kind: "constant" as const, valueMicros: 10_000 };

function runMeter(durationMicros = 1_000_000) {
  const s = scenario({ protocol: { name: "meter", options: {} }, durationMicros });
  s.network.intraDc = { ...s.network.intraDc, latency: fixed };
  s.network.interDc = { ...s.network.interDc, latency: fixed };
  return runScenario(s, { registry: registry(), sink: "record" });
}

describe("protocol metrics", () => {
  it("summarises each series a node records, in declaration order then by label", () => {
    const r = runMeter();
    // n1 pings its 4 peers at 100ms, 200ms, ..., 1000ms: 10 rounds, each arriving 10ms later (fixed latency), so the
    // last round (sent at 1000ms) is still in flight at the end: 9 rounds x 4 peers arrive.
    const delays = r.protocolMetrics.filter((m) => m.name === "delay");
    expect(delays.map((m) => m.label)).toEqual(["n1"]);
    expect(delays[0]).toMatchObject({ kind: "sample", count: 36, p50: 10_000, p99: 10_000, max: 10_000 });
    const bytes = r.protocolMetrics.find((m) => m.name === "bytes-in");
    expect(bytes).toMatchObject({ label: null, sum: 36 * 64, count: 36 });
    expect(r.protocolMetrics.map((m) => m.name)).toEqual(["delay", "bytes-in", "up-at-end", "steps"]);
  });

  it("runs observers after every step and once at the end", () => {
    const r = runMeter();
    // Steps: 5 starts, 9 ticks that fired before the end (the 10th at 1000ms fires too: the run includes t = 1s), and
    // 36 deliveries.
    const steps = r.protocolMetrics.find((m) => m.name === "steps");
    expect(steps?.sum).toBe(5 + 10 + 36);
    expect(r.protocolMetrics.find((m) => m.name === "up-at-end")).toMatchObject({ kind: "gauge", last: 5, count: 1 });
  });

  it("writes every value into the trace as a metric event the reader accepts", () => {
    const r = runMeter();
    const trace = parseTrace(r.trace?.toNdjson() ?? "", "meter.ndjson");
    const metrics = trace.events.filter((e) => e.k === "metric");
    expect(metrics.length).toBe(36 + 36 + 51 + 1);
    const first = metrics.find((e) => e.k === "metric" && e.name === "delay");
    expect(first).toMatchObject({ k: "metric", name: "delay", v: 10_000, n: "n2", l: "n1" });
    const fromObserver = metrics.find((e) => e.k === "metric" && e.name === "steps");
    expect(fromObserver).not.toHaveProperty("n");
    expect(fromObserver).not.toHaveProperty("l");
  });

  it("fails the run when a node records a metric its protocol does not declare", () => {
    const undeclared = { ...meter, metrics: meter.metrics?.filter((m) => m.name !== "bytes-in") };
    const s = scenario({ protocol: { name: "meter", options: {} } });
    expect(() => runScenario(s, { registry: registry(undeclared), sink: "none" })).toThrow(
      /recorded metric "bytes-in", which it does not declare/,
    );
  });

  it("rejects a protocol whose metric names are malformed or repeated", () => {
    expect(() => registry({ ...meter, metrics: [{ ...(meter.metrics?.[0] as MetricSpec), name: "Delay" }] })).toThrow(
      /not dotted lower-case words/,
    );
    const twice = [meter.metrics?.[1], meter.metrics?.[1]] as never;
    expect(() => checkMetricSpecs("meter", twice)).toThrow(/declared twice/);
  });

  it("gives the viewer one chart per series, counters as running totals and micros in ms", () => {
    const r = runMeter();
    expect(r.header.metrics?.map((m) => m.name)).toEqual(["delay", "bytes-in", "up-at-end", "steps"]);
    const model = buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[]);
    const series = protocolSeries(model);
    expect(series.map((s) => s.title)).toEqual([
      "steps (count, running total)",
      "delay[n1] (ms, values)",
      "bytes-in (bytes, running total)",
      "up-at-end (count, level)",
    ]);
    const bytes = series.find((s) => s.title.startsWith("bytes-in"));
    expect(bytes?.points.at(-1)?.[1]).toBe(36 * 64);
    expect(series.find((s) => s.title.startsWith("delay"))?.points.every((p) => p[1] === 10)).toBe(true);
  });

  it("is deterministic: the same seed gives the same trace hash with metrics", () => {
    expect(runMeter().trace?.hash()).toBe(runMeter().trace?.hash());
  });
});

describe("metric summaries", () => {
  it("takes nearest-rank percentiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileOf(xs, 0.5)).toBe(50);
    expect(percentileOf(xs, 0.99)).toBe(99);
    expect(percentileOf(xs, 1)).toBe(100);
    expect(percentileOf([], 0.5)).toBe(0);
    expect(percentileOf([7], 0.99)).toBe(7);
  });

  it("keeps the last value of a gauge and the sum of a counter", () => {
    const g = summariseSeries({ name: "g", kind: "gauge", unit: "count", description: "d" }, null, [3, 9, 4]);
    expect(g).toMatchObject({ last: 4, max: 9, min: 3, sum: 16, count: 3 });
  });
});
