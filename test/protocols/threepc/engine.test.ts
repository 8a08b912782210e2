import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import type { TraceEvent } from "../../../sim/trace/events.ts";
import { runScenario } from "../../../sim/world/simulation.ts";
import { describeBugVariants } from "../bugVariants.ts";

const root = resolve(import.meta.dirname, "../../..");
const text = (path: string) => readFileSync(resolve(root, path), "utf8");
const load = (path: string, edit: (s: string) => string = (s) => s) => parseScenario(edit(text(path)), path, registry);

/** Each node's last view in a recorded run. */
function lastViews(r: ReturnType<typeof runScenario>): Map<string, Record<string, unknown>> {
  const views = new Map<string, Record<string, unknown>>();
  for (const e of r.trace?.events() ?? []) {
    const ev = e as TraceEvent;
    if (ev.k === "state") views.set(ev.n, ev.v);
    if (ev.k === "crash") views.delete(ev.n);
  }
  return views;
}

describe("3pc in the simulator", () => {
  it("resolves in-doubt transactions while the coordinator is down, where 2pc stays blocked", () => {
    // The coordinator is down from 1.5s to 4.5s; look at 4.4s. Random crashes are off so only the coordinator fails.
    const noRandom = (s: string) => s.replace(/ {2}random:[\s\S]*?maxDown: 2\n/, "");
    const three = runScenario(load("scenarios/3pc-coordinator-crash.yaml", noRandom), {
      registry,
      seed: 3,
      durationMicros: 4_400_000,
      sink: "record",
    });
    const two = runScenario(
      load("scenarios/3pc-coordinator-crash.yaml", (s) => noRandom(s).replace("name: 3pc\n", "name: 2pc\n")),
      { registry, seed: 3, durationMicros: 4_400_000, sink: "record" },
    );
    expect(three.violations).toEqual([]);
    expect(two.violations).toEqual([]);
    const v3 = [...lastViews(three).entries()].filter(([n]) => n !== "n1");
    const v2 = [...lastViews(two).entries()].filter(([n]) => n !== "n1");
    expect(v3.map(([, v]) => v.blocked)).toEqual([0, 0, 0, 0]);
    expect(v3.reduce((a, [, v]) => a + Number(v.recovered), 0)).toBeGreaterThan(0);
    expect(v2.some(([, v]) => Number(v.blocked) > 0)).toBe(true);
  });

  it("rejects a decision timeout that does not exceed the vote timeout, naming the option", () => {
    const edit = (s: string) => s.replace(/decisionTimeoutMicros: 200000/, "decisionTimeoutMicros: 100000");
    expect(() => load("scenarios/3pc-coordinator-crash.yaml", edit)).toThrow(
      /protocol\.options\.decisionTimeoutMicros: expected more than voteTimeoutMicros \(100000\)/,
    );
  });

  it("passes its crash-only scenarios", () => {
    for (const file of [
      "3pc-basic.yaml",
      "3pc-coordinator-crash.yaml",
      "3pc-participant-crash.yaml",
      "3pc-multi-dc.yaml",
    ]) {
      for (const seed of [1, 2, 3]) {
        const r = runScenario(load(`scenarios/${file}`), { registry, seed, sink: "none" });
        expect(r.violations, `faultline run scenarios/${file} --seed ${seed}`).toEqual([]);
      }
    }
  });

  it("violates atomicity under partitions, with no bug planted (test/protocols/threepc/3pc-partition.yaml)", () => {
    const scenario = load("test/protocols/threepc/3pc-partition.yaml");
    for (const seed of [1, 2]) {
      const r = runScenario(scenario, { registry, seed, sink: "none" });
      expect(r.bugs).toEqual([]);
      const atomicity = r.violations.find((v) => v.check === "3pc.atomicity");
      expect(atomicity?.message, `seed ${seed}`).toMatch(/was decided commit at n2 but abort at n[345]/);
    }
  });
});

describeBugVariants("3pc bug variants in the simulator", [
  { bug: "skip-precommit", scenario: "3pc-basic.yaml", seeds: [1, 2], check: /3pc\.no-commit-while-uncertain/ },
  { bug: "independent-recovery", scenario: "3pc-participant-crash.yaml", seeds: [1, 2], check: /3pc\.atomicity/ },
  { bug: "independent-recovery", scenario: "3pc-coordinator-crash.yaml", seeds: [2, 4], check: /3pc\.atomicity/ },
]);
