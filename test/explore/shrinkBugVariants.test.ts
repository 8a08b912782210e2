import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { registry } from "../../protocols/index.ts";
import { loadScenarioFile } from "../../sim/cli/scenarioFile.ts";
import { scenarioFileObject } from "../../sim/explore/scenarioFile.ts";
import { scenarioSize, shrinkScenario } from "../../sim/explore/shrink.ts";
import { runVerdict } from "../../sim/explore/verdict.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { tempDir } from "../cli/helpers.ts";

/** One failing seed per planted bug (from the protocols' bug-variant tests), shrunk with a small budget of runs. */
const CASES: readonly { protocol: string; bug: string; scenario: string; seed: number }[] = [
  { protocol: "2pc", bug: "commit-on-timeout", scenario: "2pc-lossy.yaml", seed: 1 },
  { protocol: "2pc", bug: "decision-not-logged", scenario: "2pc-coordinator-crash.yaml", seed: 3 },
  { protocol: "2pc", bug: "participant-abort-after-yes", scenario: "2pc-partitions.yaml", seed: 1 },
  { protocol: "3pc", bug: "skip-precommit", scenario: "3pc-basic.yaml", seed: 1 },
  { protocol: "3pc", bug: "independent-recovery", scenario: "3pc-participant-crash.yaml", seed: 1 },
  { protocol: "multimaster", bug: "lww-ignores-logical", scenario: "multimaster-lww-skew.yaml", seed: 1 },
  { protocol: "multimaster", bug: "no-anti-entropy-resume", scenario: "multimaster-two-regions.yaml", seed: 1 },
  { protocol: "multimaster", bug: "vv-drop-sibling", scenario: "multimaster-siblings.yaml", seed: 1 },
  { protocol: "paxos", bug: "forget-promise", scenario: "paxos-promise-crash.yaml", seed: 1 },
  { protocol: "paxos", bug: "ignore-accepted", scenario: "paxos-dueling.yaml", seed: 1 },
  { protocol: "paxos", bug: "non-unique-ballot", scenario: "paxos-dueling.yaml", seed: 2 },
  { protocol: "paxos", bug: "learn-from-minority", scenario: "paxos-split-acceptors.yaml", seed: 1 },
  { protocol: "paxos", bug: "skip-gap-fill", scenario: "paxos-leader-change.yaml", seed: 1 },
  { protocol: "raft", bug: "commit-old-term", scenario: "raft-figure8.yaml", seed: 1 },
  { protocol: "raft", bug: "damaged-snapshot-stalls", scenario: "raft-damaged-snapshot.yaml", seed: 1 },
  { protocol: "raft", bug: "lease-without-clock-bound", scenario: "raft-lease-skew.yaml", seed: 12 },
  { protocol: "raft", bug: "forget-vote", scenario: "raft-persistence.yaml", seed: 53 },
  { protocol: "raft", bug: "no-prev-log-check", scenario: "raft-churn.yaml", seed: 1 },
  { protocol: "raft", bug: "no-step-down", scenario: "raft-persistence.yaml", seed: 4 },
  { protocol: "register", bug: "ack-before-replicate", scenario: "register-primary-backup.yaml", seed: 24 },
  { protocol: "register", bug: "stale-backup-read", scenario: "register-primary-backup.yaml", seed: 1 },
];

/** Candidate runs each case may make: enough for the first passes, small enough for the whole file to stay short. */
const MAX_RUNS = 40;
const root = resolve(import.meta.dirname, "../..");

describe("shrinking every planted bug", () => {
  it("has a case for every bug of every registered protocol", () => {
    const planted = registry.list().flatMap((p) => Object.keys(p.bugs).map((b) => `${p.name}/${b}`));
    expect(CASES.map((c) => `${c.protocol}/${c.bug}`).sort()).toEqual(planted.sort());
  });

  for (const c of CASES) {
    const title = [
      `shrinks ${c.protocol} ${c.bug} (${c.scenario} seed ${c.seed})`,
      "to a written scenario failing the same check",
    ].join(" ");
    it(title, () => {
      const path = join(root, "scenarios", c.scenario);
      const parsed = parseScenario(readFileSync(path, "utf8"), path, registry);
      expect(parsed.protocol.name).toBe(c.protocol);
      const scenario = { ...parsed, seed: c.seed, bugs: [c.bug] };
      const first = runScenario(scenario, { registry, sink: "none" });
      const v = runVerdict(first);
      expect(v.verdict, `faultline run scenarios/${c.scenario} --seed ${c.seed} --bug ${c.bug}`).toBe("violated");
      const end = first.violations[0]?.atMicros ?? first.simulatedMicros;
      const r = shrinkScenario(scenario, end, { registry, seed: c.seed, bugs: [], check: v.check, maxRuns: MAX_RUNS });
      expect(r.runs).toBeLessThanOrEqual(MAX_RUNS);
      // The written file, read back by the CLI's loader, fails the same check with no --bug (the file carries it).
      const out = join(tempDir("faultline-shrink-"), "min.yaml");
      writeFileSync(out, stringify(scenarioFileObject(r.scenario)));
      const again = runVerdict(runScenario(loadScenarioFile(out, registry), { registry, seed: c.seed, sink: "none" }));
      expect(again.verdict).toBe("violated");
      expect(again.check).toBe(v.check);
      // Never larger than the scenario it came from.
      const before = scenarioSize(scenario);
      const after = scenarioSize(r.scenario);
      expect(after.faults).toBeLessThanOrEqual(before.faults);
      expect(after.durationMicros).toBeLessThanOrEqual(before.durationMicros);
      expect(after.nodes).toBeLessThanOrEqual(before.nodes);
    }, 30_000);
  }
});
