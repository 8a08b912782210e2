import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");
const load = (name: string) => parseScenario(readFileSync(resolve(root, "scenarios", name), "utf8"), name, registry);

/**
 * Each planted 2PC bug is caught by the checks on seeds a sweep found (`faultline sweep FILE --seeds 200 --bug NAME`),
 * and the correct protocol passes the very same seeds.
 */
const cases: { bug: string; scenario: string; seeds: number[]; check: RegExp }[] = [
  { bug: "commit-on-timeout", scenario: "2pc-lossy.yaml", seeds: [1, 2], check: /2pc\.(commit-validity|atomicity)/ },
  { bug: "decision-not-logged", scenario: "2pc-coordinator-crash.yaml", seeds: [3, 23], check: /2pc\.(decision-stability|atomicity)/ },
  { bug: "participant-abort-after-yes", scenario: "2pc-partitions.yaml", seeds: [1, 2], check: /2pc\.atomicity/ },
];

describe("2pc bug variants in the simulator", () => {
  for (const c of cases) {
    it(`catches ${c.bug} on ${c.scenario} seeds ${c.seeds.join(", ")}, which the correct protocol passes`, () => {
      const scenario = load(c.scenario);
      for (const seed of c.seeds) {
        const buggy = runScenario(scenario, { registry, seed, bugs: [c.bug], sink: "none" });
        expect(buggy.violations.length, `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed} --bug ${c.bug}`).toBeGreaterThan(0);
        expect(buggy.violations[0]?.check).toMatch(c.check);
        const correct = runScenario(scenario, { registry, seed, sink: "none" });
        expect(correct.violations, `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed}`).toEqual([]);
        expect(correct.clientOps.ok).toBeGreaterThan(40);
      }
    });
  }
});
