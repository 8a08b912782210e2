import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import type { RunResult } from "../../../sim/world/result.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");
const SEEDS = [1, 2, 3];

function runFile(file: string, seed: number): RunResult {
  const scenario = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  return runScenario(scenario, { registry, seed, sink: "none" });
}

function total(r: RunResult, name: string): number {
  return r.protocolMetrics.filter((m) => m.name === name).reduce((sum, m) => sum + m.sum, 0);
}

function writeP50(r: RunResult): number {
  return r.clientMetrics.latency.find((l) => l.opClass === "write")?.p50 ?? Number.NaN;
}

/** Each library scenario passes its checks on a few seeds (200 are measured with `faultline sweep`, see docs). */
describe("the replication scenarios", () => {
  it("async and sync DC failures: async loses acknowledged writes, sync none and pays a WAN round trip", () => {
    let asyncLost = 0;
    for (const seed of SEEDS) {
      const a = runFile("replication-async-dc-failure.yaml", seed);
      const s = runFile("replication-sync-dc-failure.yaml", seed);
      for (const r of [a, s]) {
        expect(r.violations, `seed ${seed}`).toEqual([]);
        expect(r.liveness?.verdict, `seed ${seed}`).toBe("ok");
        expect(total(r, "failovers"), `seed ${seed}`).toBe(1);
      }
      expect(s.linearizability?.verdict, `seed ${seed}`).toBe("ok");
      asyncLost += total(a, "failover.rpo");
      expect(total(s, "failover.rpo")).toBe(0);
      expect(writeP50(s), `seed ${seed}`).toBeGreaterThan(20 * writeP50(a));
    }
    expect(asyncLost).toBeGreaterThan(0);
  });

  it("semi-sync degrades to async under the slow WAN and recovers after it", () => {
    for (const seed of SEEDS) {
      const r = runFile("replication-semisync-slow-wan.yaml", seed);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(total(r, "semisync.degrades"), `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(total(r, "semisync.recoveries"), `seed ${seed}`).toBeGreaterThanOrEqual(1);
    }
  });

  it("fencing holds when the primary is cut off with a minority, and clients are served again", () => {
    for (const seed of SEEDS) {
      const r = runFile("replication-partition-fencing.yaml", seed);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(r.liveness?.verdict, `seed ${seed}`).toBe("ok");
      expect(total(r, "failovers"), `seed ${seed}`).toBe(1);
    }
  });

  it("bounded-staleness backup reads are mostly, not always, consistent, and no failover happens", () => {
    for (const seed of SEEDS) {
      const r = runFile("replication-backup-reads.yaml", seed);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      const ratio = r.clientMetrics.consistency?.ratio ?? Number.NaN;
      expect(ratio, `seed ${seed}`).toBeGreaterThan(0.5);
      expect(ratio, `seed ${seed}`).toBeLessThan(1);
      expect(total(r, "failovers"), `seed ${seed}`).toBe(0);
    }
  });

  it("a backup back from a long crash re-syncs with a full copy, and the history stays linearizable", () => {
    for (const seed of SEEDS) {
      const r = runFile("replication-resync-full-copy.yaml", seed);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(r.linearizability?.verdict, `seed ${seed}`).toBe("ok");
      const copies = r.protocolMetrics.find((m) => m.name === "resync.full-copies" && m.label === "n3");
      expect(copies?.sum, `seed ${seed}`).toBeGreaterThanOrEqual(1);
    }
  });

  it("a stale backup never wins the failover: RPO 0 in sync mode", () => {
    for (const seed of SEEDS) {
      const r = runFile("replication-stale-failover.yaml", seed);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(total(r, "failover.rpo"), `seed ${seed}`).toBe(0);
    }
  });
});
