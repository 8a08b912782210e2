import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel, type Model, viewAt } from "../../viz/src/model.ts";

const root = resolve(import.meta.dirname, "../..");
function run(file: string, seed: number, bugs: string[] = []): Model {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, bugs, sink: "record" });
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[]);
}
const id = (m: Model, k: number) => m.lanes[m.msgFrom[k] as number]?.id;

describe("commit quorum", () => {
  it("names the acks that made figure8's commit 18: n3 and n4, not the crashed n5 nor the cut-off n2", () => {
    const m = run("raft-figure8.yaml", 1, ["commit-old-term"]);
    const c = m.commits.find((x) => x.index === 18);
    expect(c, "figure8 seed 1 commits index 18").toBeDefined();
    if (c === undefined) return;
    expect(m.lanes[c.lane]?.id).toBe("n1");
    expect(c.acks.map((k) => id(m, k)).sort()).toEqual(["n3", "n4"]);
  });

  it("takes, for every commit, acks delivered to the leader in its term from followers whose match reached it", () => {
    const m = run("demo.yaml", 1);
    expect(m.commits.length).toBeGreaterThan(50);
    for (const c of m.commits) {
      const leader = viewAt(m, c.lane, c.t);
      const match = leader?.v.match as Record<string, number>;
      const before = (m.states[c.lane] ?? []).filter(
        (s) => s.t <= c.t && (s.v.role !== "leader" || s.v.term !== leader?.v.term),
      );
      const electedAt = before[before.length - 1]?.t;
      // the leader plus its acks are a majority of the five voters
      expect(c.acks.length + 1, `commit ${c.index} at ${c.t}`).toBeGreaterThanOrEqual(3);
      for (const k of c.acks) {
        expect(m.msgTo[k]).toBe(c.lane);
        expect(m.msgStatus[k]).toBe(0);
        expect(m.msgT1[k] as number).toBeLessThanOrEqual(c.t);
        expect(m.msgT1[k] as number).toBeGreaterThan(electedAt ?? -1);
        expect(match[id(m, k) as string] as number).toBeGreaterThanOrEqual(c.index);
      }
    }
  });
});
