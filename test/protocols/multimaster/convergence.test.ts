import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");
// The unit test runs a few seeds per file; the 200-seed sweeps are in docs/replication.md.
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const FILES = [
  "multimaster-two-regions.yaml",
  "multimaster-lww-skew.yaml",
  "multimaster-siblings.yaml",
  "multimaster-three-regions.yaml",
];

describe("master-master replicas converge", () => {
  for (const file of FILES) {
    it(`holds every check and converges after the faults on ${file}, seeds ${SEEDS.join(", ")}`, () => {
      const scenario = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
      for (const seed of SEEDS) {
        const r = runScenario(scenario, { registry, seed, sink: "none" });
        const repro = `faultline run scenarios/${file} --seed ${seed}`;
        expect(r.violations, repro).toEqual([]);
        expect(r.liveness?.verdict, repro).toBe("ok");
        expect(r.clientOps.ok, repro).toBeGreaterThan(100);
        const metric = (name: string) => r.protocolMetrics.filter((m) => m.name === name);
        // A partition with writes on both sides always leaves conflicts to resolve.
        expect(
          metric("conflicts").reduce((n, m) => n + m.sum, 0),
          repro,
        ).toBeGreaterThan(0);
        const lost = metric("lww.lost-updates")[0]?.sum;
        if (scenario.protocol.options.resolution === "lww") expect(lost, repro).toBeGreaterThan(0);
        else expect(metric("siblings.created").length, repro).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});
