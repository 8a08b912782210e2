import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");

/**
 * The checks hold on the first seeds of each scenario (200 seeds of each were swept with `faultline sweep`, see
 * docs/regionsync.md); here a few, to stay quick. Each run must also end converged and serve its clients.
 */
const CASES: readonly { file: string; seeds: number }[] = [
  { file: "regionsync-target-crash.yaml", seeds: 6 },
  { file: "regionsync-push-bandwidth-cut.yaml", seeds: 4 },
  { file: "regionsync-pull-bandwidth-cut.yaml", seeds: 4 },
];

describe("regionsync checks across seeds", () => {
  for (const c of CASES) {
    it(`holds every check, catches up and converges on ${c.file} seeds 1..${c.seeds}`, () => {
      const path = resolve(root, "scenarios", c.file);
      const sc = parseScenario(readFileSync(path, "utf8"), path, registry);
      for (let seed = 1; seed <= c.seeds; seed++) {
        const r = runScenario(sc, { registry, seed, sink: "none" });
        const repro = `faultline run scenarios/${c.file} --seed ${seed}`;
        expect(r.violations, repro).toEqual([]);
        expect(r.liveness?.verdict, repro).toBe("ok");
        const converged = r.protocolMetrics.find((m) => m.name === "regionsync.converged");
        expect(converged?.last, repro).toBe(1);
        expect(r.clientOps.ok, repro).toBeGreaterThan(200);
        // Reads are local: some see a remote write late, but most are fresh.
        const ratio = r.clientMetrics.consistency?.ratio ?? Number.NaN;
        expect(ratio, repro).toBeGreaterThan(0.3);
        expect(ratio, repro).toBeLessThan(1);
      }
    });
  }
});
