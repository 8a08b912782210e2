import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import type { MetricSummary } from "../../../sim/core/metrics.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";
import { describeBugVariants } from "../bugVariants.ts";

const root = resolve(import.meta.dirname, "../../..");

function load(file: string) {
  return parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
}

function metric(ms: readonly MetricSummary[], name: string, label: string | null): MetricSummary | undefined {
  return ms.find((m) => m.name === name && m.label === label);
}

/** One data node n1 (dc1) and its store n2 (dc2) over a 1 MB/s link with a fixed 10 ms latency. */
const HAND = `
name: backup-hand
duration: 1500ms
protocol:
  name: backup
  options: { fullEveryMicros: 1000000, deltaEveryMicros: 1000000, blockKeys: 2 }
topology:
  datacenters: [{ name: dc1, nodes: 1 }, { name: dc2, nodes: 1 }]
network:
  intraDc: { latency: 1ms }
  interDc: { latency: 10ms, bandwidth: 1MB/s }
workload:
  { clients: 1, rate: 50/s, mix: { write: 1 }, keys: 3, timeout: 1s, target: random, placement: [dc1], stop: 900ms }
checks: { invariants: "*", linearizability: true }
`;

describe("backup metrics against hand-worked values", () => {
  it("stores the bytes of the known key set, in bytes/bandwidth + latency", () => {
    const s = parseScenario(HAND, "hand.yaml", registry);
    const r = runScenario(s, { registry, sink: "none" });
    expect(r.violations).toEqual([]);
    // The last acknowledged write of each key (one client, one op at a time) is what the full at 1 s holds.
    const last = new Map<string, string>();
    for (const h of r.history) if (h.outcome === "ok" && h.op.f === "write") last.set(h.op.key, h.op.value);
    expect(last.size).toBe(3);
    const bytes = [...last].reduce((n, [k, v]) => n + k.length + v.length + 8, 0);
    const full = metric(r.protocolMetrics, "backup.bytes", "full");
    expect(full?.sum).toBe(bytes);
    // 2 blocks (2 keys, 1 key): each message is 64 + its records' bytes, the manifest 128 + 80 per block. At
    // 1,000,000 B/s a byte is a microsecond on the wire; the last message then takes the 10 ms latency.
    const wire = 2 * 64 + bytes + 128 + 80 * 2;
    expect(metric(r.protocolMetrics, "backup.duration", "full")?.max).toBe(wire + 10_000);
  });

  it("reports the RPO of a known schedule and crash time", () => {
    const s = parseScenario(
      readFileSync(resolve(root, "scenarios/backup-chain.yaml"), "utf8")
        .replace("{ at: 9500ms, crash: n1 }", "{ at: 5500ms, crash: n1 }")
        .replace("atMicros: 10000000", "atMicros: 6000000")
        .replace('latency: "uniform(20ms, 40ms)"', "latency: 30ms"),
      "rpo.yaml",
      registry,
    );
    const r = runScenario(s, { registry, sink: "none" });
    expect(r.violations).toEqual([]);
    // Incrementals every second: the last before the crash at 5.5 s is the one of 5 s. Lost: n1's writes after 5 s,
    // at least every write acknowledged after it and before the crash, at most every write invoked in that time (a
    // few ms of client-to-node latency either side). RPO time: from 5 s to n1's last write, which is after the last
    // acknowledged one and before the crash.
    const lost = metric(r.protocolMetrics, "restore.rpo.writes", "n1")?.last ?? -1;
    const writes = r.history.filter((h) => h.op.f !== "read");
    const acked = writes.filter(
      (h) => h.outcome === "ok" && h.invokeMicros > 5_000_000 && (h.completeMicros ?? 0) < 5_500_000,
    );
    const invoked = writes.filter((h) => h.invokeMicros > 4_990_000 && h.invokeMicros < 5_500_000);
    const lastAcked = Math.max(...acked.map((h) => h.completeMicros ?? 0));
    const rpo = metric(r.protocolMetrics, "restore.rpo.time", "n1")?.last ?? -1;
    expect(rpo).toBeLessThanOrEqual(500_000);
    expect(rpo).toBeGreaterThanOrEqual(lastAcked - 5_000_000 - 2_000);
    expect(acked.length).toBeGreaterThan(10);
    expect(lost).toBeGreaterThanOrEqual(acked.length);
    expect(lost).toBeLessThanOrEqual(invoked.length);
  });
});

describe("backup checks across seeds", () => {
  const files = ["backup-chain.yaml", "backup-corrupt.yaml", "backup-kinds.yaml", "backup-pitr.yaml"];
  for (const file of files) {
    it(`restores equal the source at the point on ${file}, seeds 1-15`, () => {
      const s = load(file);
      for (let seed = 1; seed <= 15; seed++) {
        const r = runScenario(s, { registry, seed, sink: "none" });
        expect(r.violations, `faultline run scenarios/${file} --seed ${seed}`).toEqual([]);
        expect(r.protocolMetrics.some((m) => m.name === "restore.duration")).toBe(true);
      }
    });
  }

  it("detects corrupted blocks at restore and never restores them (backup-corrupt, seeds 1-30)", () => {
    const s = load("backup-corrupt.yaml");
    let failures = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = runScenario(s, { registry, seed, sink: "none" });
      expect(r.violations, `faultline run scenarios/backup-corrupt.yaml --seed ${seed}`).toEqual([]);
      failures += metric(r.protocolMetrics, "backup.checksum-failures", null)?.sum ?? 0;
    }
    expect(failures).toBeGreaterThan(5);
  });

  it("pauses only the cold node's writes, and the clients see it", () => {
    const r = runScenario(load("backup-hot-cold.yaml"), { registry, sink: "none" });
    expect(r.violations).toEqual([]);
    expect(metric(r.protocolMetrics, "backup.paused-writes", "n2")?.sum).toBeGreaterThan(0);
    expect(metric(r.protocolMetrics, "backup.paused-writes", "n1")).toBeUndefined();
    expect(r.clientOps.fail).toBe(metric(r.protocolMetrics, "backup.paused-writes", "n2")?.sum);
  });
});

describeBugVariants("backup bug variants", [
  { bug: "skip-verify", scenario: "backup-corrupt.yaml", seeds: [9, 19], check: /restore-matches-source/ },
  { bug: "incremental-gap", scenario: "backup-kinds.yaml", seeds: [1, 2], check: /restore-matches-source/ },
  { bug: "incremental-gap", scenario: "backup-chain.yaml", seeds: [2], check: /restore-matches-source/ },
]);
