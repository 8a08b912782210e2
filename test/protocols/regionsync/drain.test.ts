import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { batchCpuMicros, batchWireBytes } from "../../../protocols/regionsync/node.ts";
import type { RegionsyncOptions } from "../../../protocols/regionsync/options.ts";
import type { MetricSummary } from "../../../sim/core/metrics.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");
/** The drain scenarios' link: 8 Mbps = 1e6 bytes/s, fixed 20 ms one way. */
const BYTES_PER_SECOND = 1_000_000;
const LATENCY_MICROS = 20_000;
/** Tolerance of the drain-time checks (the measured values are within 0.1% on the seeds below). */
const TOLERANCE = 0.02;

function load(file: string) {
  const path = resolve(root, "scenarios", file);
  return parseScenario(readFileSync(path, "utf8"), path, registry);
}

function metric(ms: readonly MetricSummary[], name: string, label: string): MetricSummary {
  const m = ms.find((x) => x.name === name && x.label === label);
  if (m === undefined) throw new Error(`no ${name}[${label}] among ${ms.map((x) => x.name).join(", ")}`);
  return m;
}

/** Split n changes into batches of at most `batch`, as the source does when it resends from the acknowledged point. */
function batches(n: number, batch: number): number[] {
  const out: number[] = [];
  for (let left = n; left > 0; left -= Math.min(batch, left)) out.push(Math.min(batch, left));
  return out;
}

/**
 * Drain time of k batches through the source's one CPU (compression + encryption, c_i) and then the link (wire time
 * w_i = bytes_i / b), a two-stage pipeline, plus the latency there and the ack's latency back.
 */
function pipelineMicros(o: RegionsyncOptions, n: number): number {
  let cpuDone = 0;
  let wireDone = 0;
  for (const k of batches(n, o.batch)) {
    cpuDone += batchCpuMicros(o, k);
    wireDone = Math.max(cpuDone, wireDone) + Math.ceil((batchWireBytes(o, k) * 1e6) / BYTES_PER_SECOND);
  }
  return wireDone + 2 * LATENCY_MICROS;
}

function drain(file: string, seed: number) {
  const sc = load(file);
  const r = runScenario(sc, { registry, seed, sink: "none" });
  expect(r.violations, `faultline run scenarios/${file} --seed ${seed}`).toEqual([]);
  const n = metric(r.protocolMetrics, "regionsync.resume-backlog", "n1->n2").last;
  const measured = metric(r.protocolMetrics, "regionsync.catch-up", "n1->n2").last;
  const bytes = metric(r.protocolMetrics, "regionsync.bytes", "n1->n2").sum;
  return { o: sc.protocol.options as RegionsyncOptions, n, measured, bytes };
}

describe("regionsync drain time against n*d/b", () => {
  for (const seed of [1, 2, 3]) {
    it(`drains a partition's backlog in n*d/b plus a round trip, within 2% (seed ${seed})`, () => {
      const { o, n, measured } = drain("regionsync-drain.yaml", seed);
      expect(n, "a backlog of hundreds of changes piled up").toBeGreaterThan(200);
      const formula = (n * o.changeBytes * 1e6) / BYTES_PER_SECOND + 2 * LATENCY_MICROS;
      expect(Math.abs(measured - formula) / formula).toBeLessThan(TOLERANCE);
      // The exact model adds a 64-byte header per batch: within 0.1%.
      expect(Math.abs(measured - pipelineMicros(o, n)) / measured).toBeLessThan(0.001);
    });
  }

  for (const seed of [1, 2]) {
    it(`drains faster with compression: ratio*n*d/b plus one batch's CPU time, within 2% (seed ${seed})`, () => {
      const plain = drain("regionsync-drain.yaml", seed);
      const packed = drain("regionsync-compression.yaml", seed);
      const o = packed.o;
      expect(o.compressionRatio).toBe(0.4);
      const n = packed.n;
      // Per full batch the CPU time (c) is below the wire time (w), so the CPU only delays the first batch.
      const c = batchCpuMicros(o, o.batch);
      const w = (batchWireBytes(o, o.batch) * 1e6) / BYTES_PER_SECOND;
      expect(c).toBeLessThan(w);
      const formula = c + (o.compressionRatio * n * o.changeBytes * 1e6) / BYTES_PER_SECOND + 2 * LATENCY_MICROS;
      expect(Math.abs(packed.measured - formula) / formula).toBeLessThan(TOLERANCE);
      expect(Math.abs(packed.measured - pipelineMicros(o, n)) / packed.measured).toBeLessThan(0.001);
      // Faster than without compression by about the ratio (less the CPU time and the fixed round trip).
      const plainFormula = (n * o.changeBytes * 1e6) / BYTES_PER_SECOND + 2 * LATENCY_MICROS;
      expect(packed.measured).toBeLessThan(plainFormula * 0.5);
      expect(plain.n).toBe(n);
      // The wire carries fewer bytes (the exact per-batch sizes are checked by hand below; totals also count the
      // windows resent into the partition, which differ between the runs).
      expect(packed.bytes).toBeLessThan(plain.bytes * 0.42);
    });
  }
});

const LAG_SCENARIO = `
name: regionsync-fixed-lag
description: one client writing in us-east, fixed latency, an 8 Mbps link
duration: 30s
protocol: { name: regionsync, options: { mode: push, flushMicros: 5000, changeBytes: 1024, headerBytes: 64 } }
topology:
  datacenters:
    - { name: us-east, nodes: 1 }
    - { name: eu-west, nodes: 1 }
network:
  intraDc: { latency: 100us }
  interDc: { latency: 20ms, bandwidth: 8Mbps }
workload: { clients: 1, rate: 4/s, mix: { write: 1 }, keys: 4, timeout: 1s, target: local, placement: [us-east] }
checks: { invariants: "*", linearizability: false }
`;

function fixedLag(options: string) {
  const text = LAG_SCENARIO.replace("headerBytes: 64 }", `headerBytes: 64${options} }`);
  const r = runScenario(parseScenario(text, "fixed-lag.yaml", registry), { registry, seed: 1, sink: "none" });
  expect(r.violations).toEqual([]);
  const lag = metric(r.protocolMetrics, "regionsync.lag", "n1->n2");
  const writes = r.history.filter((h) => h.op.f === "write" && h.outcome === "ok").length;
  expect(lag.count).toBeGreaterThan(50);
  expect(lag.count).toBe(writes);
  expect(metric(r.protocolMetrics, "regionsync.backlog", "n1->n2").max).toBeLessThanOrEqual(2);
  const sent = metric(r.protocolMetrics, "regionsync.bytes", "n1->n2");
  // One batch per flush, nearly always of one change (two when a write came within the 5 ms flush delay).
  expect(sent.count).toBeGreaterThan(writes * 0.9);
  expect(sent.count).toBeLessThanOrEqual(writes);
  return { lag, writes, bytes: sent.sum, batches: sent.count, r };
}

describe("regionsync lag, worked by hand", () => {
  // One client writes one change at a time, about 250 ms apart: every batch holds one change.
  it("is the flush delay plus one change's wire time plus the latency: 5 ms + 1088 B / 1 MB/s + 20 ms", () => {
    const { lag, writes, bytes, batches } = fixedLag("");
    expect(lag.p50).toBe(5_000 + 1_088 + 20_000);
    // Rarely a write comes before the last one left: it waits behind that one change (1024 B more on the wire).
    expect(lag.max).toBeLessThanOrEqual(5_000 + 1_088 + 1_024 + 20_000);
    expect(bytes).toBe(64 * batches + 1_024 * writes);
  });

  it("adds the CPU time and saves wire time with compression: 5 ms + 349 us + 474 B / 1 MB/s + 20 ms", () => {
    // 1024 B * 300 ns + ceil(1024 * 0.4) = 410 B * 100 ns = 348.2 us -> 349 us of CPU; 64 + 410 = 474 B on the wire.
    const { lag, writes, bytes, batches, r } = fixedLag(
      ", compressionRatio: 0.4, compressNanosPerByte: 300, encryptNanosPerByte: 100",
    );
    expect(lag.p50).toBe(5_000 + 349 + 474 + 20_000);
    expect(lag.max).toBeLessThanOrEqual(5_000 + 349 + 474 + 349 + 410 + 20_000);
    const two = writes - batches;
    // A batch of two changes: ceil(2048 * 0.4) = 820 B, and ceil((2048 * 300 + 820 * 100) / 1000) = 697 us of CPU.
    expect(bytes).toBe(474 * (batches - two) + (64 + 820) * two);
    expect(metric(r.protocolMetrics, "regionsync.cpu", "n1->n2").sum).toBe(349 * (batches - two) + 697 * two);
  });
});
