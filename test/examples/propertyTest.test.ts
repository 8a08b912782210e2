/**
 * The property-testing API as a user writes it (docs/testing.md): draw whole scenarios for a protocol, run each, and
 * require every check to hold. The same property passes on Raft and fails on Raft with a planted bug, where
 * fast-check shrinks the failing scenario and the report carries both seeds and a Faultline repro line.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { expectChecksHold, type ScenarioFile, scenarioArb, simulate } from "../../sim/explore/testing/index.ts";
import { fc, test } from "../../sim/explore/testing/vitest.ts";

test.prop([scenarioArb({ protocol: "raft", registry })], { numRuns: 15 })("raft stays safe", (s) => {
  expectChecksHold(simulate(s, { registry }));
});

test.prop([scenarioArb({ protocol: "2pc", registry })], { numRuns: 15 })("two-phase commit stays atomic", (s) => {
  expectChecksHold(simulate(s, { registry }));
});

describe("the same property on a planted bug", () => {
  it("finds a counterexample for raft with no-step-down, shrinks it and prints both seeds and the repro", () => {
    const reproDir = mkdtempSync(join(tmpdir(), "faultline-example-"));
    const property = fc.property(scenarioArb({ protocol: "raft", registry, bugs: ["no-step-down"] }), (s) => {
      expectChecksHold(simulate(s, { registry }), { reproDir });
    });
    const r = fc.check(property, { numRuns: 100, seed: 42 });
    expect(r.failed).toBe(true);
    // What fc.assert and test.prop print: fast-check's seed and path, the shrunk scenario, then the error.
    const report = `${fc.defaultReportMessage(r)}\n${(r.errorInstance as Error).message}`;
    expect(report).toMatch(/seed: 42, path: "[0-9:]+"/);
    expect(report).toContain("raft.election-safety");
    // The smallest failing scenario fast-check shrank to: few nodes, no scheduled faults left, a short run.
    const small = r.counterexample?.[0] as ScenarioFile;
    const nodes = small.topology.datacenters.reduce((n, d) => n + d.nodes, 0);
    expect(nodes).toBeLessThanOrEqual(3);
    expect(small.faults.schedule.length).toBeLessThanOrEqual(1);
    expect(small.duration).toBe("1000ms");
    // The repro line names a file that re-runs the failure with the CLI's loader.
    const m = /repro: faultline run (\S+) --seed (\d+)/.exec(report);
    expect(m).not.toBeNull();
    const [, file, seed] = m as RegExpExecArray;
    const scenario = parseScenario(readFileSync(file as string, "utf8"), file as string, registry);
    const again = runScenario(scenario, { registry, seed: Number(seed), sink: "none" });
    expect(again.violations.map((v) => v.check)).toContain("raft.election-safety");
  });
});
