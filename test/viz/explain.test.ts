import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { explain } from "../../viz/src/explain.ts";
import { buildModel, causalCone, causalConeOf, type Model } from "../../viz/src/model.ts";
import { itemStates, logRows } from "../../viz/src/statePanel.ts";

const root = resolve(import.meta.dirname, "../..");
function run(file: string, seed: number, bugs: string[] = [], durationMicros?: number): Model {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, bugs, sink: "record", ...(durationMicros ? { durationMicros } : {}) });
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[]);
}

describe("a violation's explanation", () => {
  const m = run("raft-figure8.yaml", 1, ["commit-old-term"]);
  const v = m.violations[0];

  it("names where the entry was committed, the acks behind it and the election of the leader that lacks it", () => {
    expect(v?.text).toMatch(/^raft\.leader-completeness: leader n5 of term 4 lacks committed entry 13/);
    const why = v === undefined ? null : explain(m, v);
    expect(why?.about).toMatchObject({ node: "n5", epoch: "4", index: "13" });
    const labels = why?.evidence.map((e) => e.label) ?? [];
    expect(labels.some((l) => /^n1 committed entry 13 \(term 1\) as leader of term 3/.test(l))).toBe(true);
    expect(labels.filter((l) => / acknowledged it to n1$/.test(l))).toHaveLength(2);
    expect(labels.at(-1)).toBe("n5 elected leader of term 4");
    expect(labels.some((l) => /^n\d sent vote-resp to n5 during its election$/.test(l))).toBe(true);
    expect(why?.notes.join("\n")).toMatch(/n5's log at entry 13 when it was checked: an entry of term 2/);
  });

  it("takes the cone of those events only: never wider than the violation's, and short of the check on n5", () => {
    const why = v === undefined ? null : explain(m, v);
    const narrow = causalConeOf(m, why?.evidence ?? []);
    const whole = causalCone(m, v?.lane ?? 0, v?.t ?? 0);
    for (let l = 0; l < m.lanes.length; l++) expect(narrow[l] as number).toBeLessThanOrEqual(whole[l] as number);
    expect(narrow[v?.lane ?? 0] as number).toBeLessThan(v?.t ?? 0);
  });

  it("is null for a violation no evidence hint describes", () => {
    const other = { ...(v as NonNullable<typeof v>), text: "raft.election-safety: two leaders" };
    expect(explain(m, other)).toBeNull();
  });
});

describe("the state panel", () => {
  it("reads each node's log, commit index and a leader's match and next from the views", () => {
    const m = run("raft-figure8.yaml", 1, ["commit-old-term"]);
    const c = m.commits.find((x) => x.index === 18);
    const rows = logRows(m, c?.t ?? 0) ?? [];
    const n1 = rows.find((r) => r.id === "n1");
    expect(n1?.role).toBe("leader");
    expect(n1?.commit).toBe(18);
    expect(n1?.termAt(13)).toBe(1);
    expect(n1?.match?.n3).toBeGreaterThanOrEqual(18);
    expect(n1?.next?.n3).toBe((n1?.match?.n3 ?? 0) + 1);
  });

  it("gives each transaction's state per node for a commit protocol", () => {
    const m = run("2pc-basic.yaml", 2, [], 300_000);
    expect(logRows(m, m.tMax)).toBeNull();
    const items = itemStates(m, m.tMax);
    expect(items.length).toBeGreaterThan(3);
    expect(items.some((i) => [...i.states.values()].includes("commit"))).toBe(true);
  });
});

describe("a Paxos agreement violation's explanation", () => {
  const m = run("paxos-dueling.yaml", 2, ["non-unique-ballot"]);
  const v = m.violations.find((x) => x.text.startsWith("paxos.agreement: "));

  it("lists the accepted messages of each majority that chose the two conflicting values", () => {
    expect(v?.text).toMatch(/^paxos\.agreement: slot 5: n1 learned r7 .* from n1,n2,n5, but n4 learned r8 .*n1,n4,n5/);
    const why = v === undefined ? null : explain(m, v);
    expect(why?.about).toMatchObject({ index: "5", value: "r7", value2: "r8", other: "n1", node: "n4" });
    const labels = why?.evidence.map((e) => e.label) ?? [];
    const first = labels.filter((l) => /^n\d accepted r7 \(entry 5\) at ballot \d+, delivered to n1$/.test(l));
    const second = labels.filter((l) => /^n\d accepted r8 \(entry 5\) at ballot \d+, delivered to n4$/.test(l));
    // A learner counts its own acceptance without a message: n1 and n4 each heard two of their three.
    expect(first.map((l) => l.slice(0, 2)).sort()).toEqual(["n2", "n5"]);
    expect(second.map((l) => l.slice(0, 2)).sort()).toEqual(["n1", "n5"]);
    expect(labels).toHaveLength(4);
    expect(why?.notes).toEqual([
      "n1 counted its own accepted for r7 (not a message)",
      "n4 counted its own accepted for r8 (not a message)",
    ]);
  });
});
