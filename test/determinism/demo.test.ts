import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../..");
const demo = parseScenario(readFileSync(resolve(root, "scenarios/demo.yaml"), "utf8"), "scenarios/demo.yaml", registry);
const hashOf = (seed: number) => runScenario(demo, { registry, seed, sink: "record" }).trace?.hash() as string;

describe("determinism of scenarios/demo.yaml", () => {
  it("gives identical trace hashes for 100 seeds each run twice, and different hashes for different seeds", () => {
    const hashes = new Set<string>();
    for (let seed = 1; seed <= 100; seed++) {
      const a = hashOf(seed);
      expect(hashOf(seed), `seed ${seed}`).toBe(a);
      hashes.add(a);
    }
    expect(hashes.size).toBe(100);
  });

  it("gives the same trace hash across processes", () => {
    for (const seed of [1, 17, 99]) {
      const out = execFileSync(
        process.execPath,
        [
          resolve(root, "bin/faultline.mjs"),
          "run",
          "scenarios/demo.yaml",
          "--seed",
          String(seed),
          "--json",
          "--no-trace-file",
        ],
        { cwd: root, encoding: "utf8" },
      );
      expect(JSON.parse(out).traceHash, `seed ${seed}`).toBe(hashOf(seed));
    }
  });
});
