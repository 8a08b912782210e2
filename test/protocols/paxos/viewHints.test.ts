import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { PAXOS_VIEW_HINTS } from "../../../protocols/paxos/viewHints.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

function violation(file: string, seed: number, bug: string): { check: string; message: string } {
  const scenario = parseScenario(
    readFileSync(resolve(import.meta.dirname, "../../../scenarios", file), "utf8"),
    file,
    registry,
  );
  const v = runScenario(scenario, { registry, seed, bugs: [bug], sink: "none" }).violations[0];
  if (v === undefined) throw new Error(`faultline run scenarios/${file} --seed ${seed} --bug ${bug}: no violation`);
  return v;
}

describe("paxos view hints", () => {
  it.each([
    ["paxos-dueling.yaml", 2, "non-unique-ballot", ["node", "index", "epoch", "other"]],
    ["paxos-dueling.yaml", 1, "ignore-accepted", ["node", "index", "epoch"]],
    ["paxos-promise-crash.yaml", 1, "forget-promise", ["node", "epoch"]],
  ] as const)("name the node, slot and round of a violation on %s seed %i with %s", (file, seed, bug, groups) => {
    const v = violation(file, seed, bug);
    const hint = PAXOS_VIEW_HINTS.evidence.find((e) => e.check === v.check);
    expect(hint, v.check).toBeDefined();
    const m = new RegExp(hint?.pattern ?? "$^").exec(v.message);
    expect(m, v.message).not.toBeNull();
    for (const g of groups) expect(m?.groups?.[g], `${g} in ${v.message}`).toMatch(/\S/);
  });
});
