import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";

/** A planted bug, a scenario of scenarios/, seeds on which a sweep caught it, and the check expected to fail first. */
export interface BugVariantCase {
  bug: string;
  scenario: string;
  seeds: number[];
  check: RegExp;
  /** Ops the correct protocol must serve on those seeds (default 40; a short scenario serves fewer). */
  minOk?: number;
}

const root = resolve(import.meta.dirname, "../..");

/**
 * Each planted bug is caught by the checks on seeds a sweep found (`faultline sweep FILE --seeds N --bug NAME`), and
 * the correct protocol passes the very same seeds while serving clients (more than `minOk` ops ok, 40 by default), so
 * the checks are not simply failing everything and the protocol is not passing by doing nothing.
 */
export function describeBugVariants(title: string, cases: readonly BugVariantCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(`catches ${c.bug} on ${c.scenario} seeds ${c.seeds.join(", ")}, which the correct protocol passes`, () => {
        const scenario = parseScenario(
          readFileSync(resolve(root, "scenarios", c.scenario), "utf8"),
          c.scenario,
          registry,
        );
        for (const seed of c.seeds) {
          const buggy = runScenario(scenario, { registry, seed, bugs: [c.bug], sink: "none" });
          expect(
            buggy.violations.length,
            `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed} --bug ${c.bug}`,
          ).toBeGreaterThan(0);
          expect(buggy.violations[0]?.check).toMatch(c.check);
          const correct = runScenario(scenario, { registry, seed, sink: "none" });
          expect(correct.violations, `seed ${seed}: faultline run scenarios/${c.scenario} --seed ${seed}`).toEqual([]);
          expect(correct.clientOps.ok).toBeGreaterThan(c.minOk ?? 40);
        }
      });
    }
  });
}
