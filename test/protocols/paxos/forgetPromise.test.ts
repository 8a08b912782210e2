import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";
import { all, Cluster, from, ofType, to } from "./harness.ts";

/** n3's ballot reaches n2 before n2 restarts; n1's lower ballot then gets X accepted, and n3's delayed accept Y. */
function forgetThenDuel(bugs: string[]): Cluster {
  const c = new Cluster(5, { mode: "basic" }, bugs);
  // n3 runs 1.n3 with n2, n3, n4 and sends accept(Y); only its own acceptor gets it for now.
  c.write("n3", 2, "k", "Y");
  c.fire("n3", "flush");
  c.deliver(all(from("n3"), to("n2", "n3", "n4"), ofType("prepare")));
  c.deliver(all(to("n3"), ofType("promise")));
  c.deliver(all(from("n3"), to("n3"), ofType("accept")));
  // n2 crashes and restarts: its promise of 1.n3 is durable only without the bug.
  c.crash("n2");
  c.restart("n2");
  // n1 runs 1.n1 (below 1.n3) with n1, n2, n5 and asks them to accept X.
  c.write("n1", 1, "k", "X");
  c.fire("n1", "flush");
  c.deliver(all(from("n1"), to("n1", "n2", "n5"), ofType("prepare")));
  c.deliver(all(to("n1"), ofType("promise", "nack")));
  c.deliver(all(from("n1"), to("n1", "n2", "n5"), ofType("accept")));
  // n3's delayed accept reaches n4 and n5.
  c.deliver(all(from("n3"), to("n4", "n5"), ofType("accept")));
  c.deliver(ofType("accepted", "nack"));
  return c;
}

describe("forget-promise breaks agreement, not only promise-monotonic", () => {
  it("lets a restarted acceptor help choose a lower ballot's value after a higher ballot chose another", () => {
    const correct = forgetThenDuel([]);
    expect(correct.violations).toEqual([]);
    const buggy = forgetThenDuel(["forget-promise"]);
    const harm = buggy.violations.filter((v) => /^(agreement|learned-stability):/.test(v));
    expect(harm.length, buggy.violations.join("\n")).toBeGreaterThan(0);
  });

  it("is caught by agreement on paxos-forget-harm without promise-monotonic, which the correct protocol passes", () => {
    const file = "paxos-forget-harm.yaml";
    const base = parseScenario(
      readFileSync(resolve(import.meta.dirname, "../../../scenarios", file), "utf8"),
      file,
      registry,
    );
    const all = registry.get("paxos")?.invariants.map((x) => x.name) ?? [];
    const invariants = all.filter((n) => n !== "promise-monotonic");
    expect(invariants).toContain("agreement");
    expect(invariants.length).toBe(all.length - 1);
    const scenario = { ...base, checks: { ...base.checks, invariants } };
    // Seeds a sweep found (`faultline sweep` of this file with checks.invariants minus promise-monotonic).
    for (const seed of [8, 14]) {
      const buggy = runScenario(scenario, { registry, seed, bugs: ["forget-promise"], sink: "none" });
      const repro = `faultline run scenarios/${file} --seed ${seed} --bug forget-promise`;
      expect(buggy.violations.length, repro).toBeGreaterThan(0);
      expect(buggy.violations[0]?.check, repro).toMatch(/agreement|linearizability/);
      const correct = runScenario(scenario, { registry, seed, sink: "none" });
      expect(correct.violations, `faultline run scenarios/${file} --seed ${seed}`).toEqual([]);
      expect(correct.clientOps.ok).toBeGreaterThan(10);
    }
  });
});
