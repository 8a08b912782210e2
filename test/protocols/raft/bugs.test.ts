import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");
const load = (name: string) => parseScenario(readFileSync(resolve(root, "scenarios", name), "utf8"), name, registry);

/**
 * Each planted bug is caught by the checks on seeds a sweep found (`faultline sweep FILE --seeds N --bug NAME`), and
 * the correct protocol passes the very same seeds, so the checks are not simply failing everything.
 */
const cases: { bug: string; scenario: string; seeds: number[]; check: RegExp }[] = [
  { bug: "commit-old-term", scenario: "raft-figure8.yaml", seeds: [1, 2, 3], check: /leader-completeness|state-machine-safety|linearizability/ },
  { bug: "forget-vote", scenario: "raft-persistence.yaml", seeds: [57, 123, 144], check: /election-safety/ },
  { bug: "no-prev-log-check", scenario: "raft-churn.yaml", seeds: [6], check: /log-matching|state-machine-safety/ },
  { bug: "no-step-down", scenario: "raft-persistence.yaml", seeds: [6, 7, 9], check: /election-safety|leader-completeness/ },
];

describe("raft bug variants", () => {
  for (const c of cases) {
    it(`catches ${c.bug} on ${c.scenario} seeds ${c.seeds.join(", ")}, which the correct protocol passes`, () => {
      const scenario = load(c.scenario);
      for (const seed of c.seeds) {
        const buggy = runScenario(scenario, { registry, seed, bugs: [c.bug], sink: "none" });
        expect(buggy.violations.length, `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed} --bug ${c.bug}`).toBeGreaterThan(0);
        expect(buggy.violations[0]?.check).toMatch(c.check);
        const correct = runScenario(scenario, { registry, seed, sink: "none" });
        expect(correct.violations, `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed}`).toEqual([]);
      }
    });
  }
});
