import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel, causalCone, firstDivergence, stepEvent, viewAt } from "../../viz/src/model.ts";
import { layout, toSvg } from "../../viz/src/render.ts";
import { outcomeOf, type TxnGroup, txnAt, txnRows } from "../../viz/src/overlays/txn.ts";
import { expectGolden } from "../support/golden.ts";

const root = resolve(import.meta.dirname, "../..");
function run(file: string, seed: number, durationMicros: number) {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, durationMicros, sink: "record" });
  const events = [...(r.trace?.events() ?? [])] as TraceEvent[];
  return buildModel(r.header, events, true);
}
const noFilters = () => ({
  hiddenLanes: new Set<number>(),
  hiddenTypes: new Set<string>(),
  hiddenKinds: new Set<string>(),
  text: "",
});

describe("viewer model", () => {
  const m = run("demo.yaml", 1, 5_000_000);

  it("has one lane per node grouped by datacenter, then the clients", () => {
    expect(m.lanes.map((l) => l.id)).toEqual(["n1", "n2", "n3", "n4", "n5", "c1", "c2", "c3", "c4"]);
    expect(m.dcs.map((d) => [d.name, d.first, d.last])).toEqual([
      ["us-east", 0, 1],
      ["us-west", 2, 3],
      ["eu-west", 4, 4],
    ]);
    expect(m.msgCount).toBeGreaterThan(100);
  });

  it("answers a node's view at any time from its state history", () => {
    const late = viewAt(m, 0, m.tMax);
    expect(late?.v.term).toBeGreaterThan(0);
    expect(viewAt(m, 0, -1)).toBeNull();
  });

  it("computes the causal cone through send -> deliver and program order", () => {
    const k = Array.from({ length: m.msgCount }, (_, i) => i).find(
      (i) => m.msgStatus[i] === 0 && m.msgFrom[i] !== m.msgTo[i],
    ) as number;
    const cone = causalCone(m, m.msgTo[k] as number, m.msgT1[k] as number);
    expect(cone[m.msgFrom[k] as number]).toBeGreaterThanOrEqual(m.msgT0[k] as number);
    // nothing after the selected time is in the cone
    for (const t of cone) expect(t).toBeLessThanOrEqual(m.msgT1[k] as number);
  });

  it("finds the first divergence between two runs, and none between identical ones", () => {
    expect(firstDivergence(m, run("demo.yaml", 1, 5_000_000))).toBeNull();
    const d = firstDivergence(m, run("demo.yaml", 2, 5_000_000));
    expect(d).not.toBeNull();
    expect(d?.index).toBeGreaterThanOrEqual(0);
  });

  it("steps to the next and previous event of a kind", () => {
    const t = stepEvent(m, 0, 1, null, "state") as number;
    expect(t).toBeGreaterThanOrEqual(0);
    expect(stepEvent(m, t + 1, -1, null, "state")).toBe(t);
  });

  it("counts a protocol metric as an event, so a message's send is found at its index in the trace", () => {
    const s = parseScenario(readFileSync(resolve(root, "scenarios", "demo.yaml"), "utf8"), "demo.yaml", registry);
    const r = runScenario(s, { registry, seed: 1, durationMicros: 1_000_000, sink: "record" });
    const events = [...(r.trace?.events() ?? [])] as TraceEvent[];
    // a metric before every send
    const withMetrics = events.flatMap((e) =>
      e.k === "send" ? [{ t: e.t, k: "metric", name: "queue", v: 1, n: e.n } as TraceEvent, e] : [e],
    );
    const mm = buildModel(r.header, withMetrics);
    expect(mm.evT.length).toBe(withMetrics.length);
    expect(mm.msgCount).toBeGreaterThan(10);
    for (let k = 0; k < mm.msgCount; k++)
      expect(withMetrics[mm.msgEvent[k] as number]?.k).toMatch(/^(send|duplicate)$/);
  });

  it("escapes trace text in SVG", () => {
    const svg = toSvg([{ p: "text", x: 0, y: 0, text: "<script>x</script>", fill: "#000", size: 10 }], 10, 10);
    expect(svg).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(svg).not.toContain("<script>");
  });
});

describe("transaction overlay (2pc, 3pc)", () => {
  const m = run("2pc-basic.yaml", 2, 300_000);
  const groups = m.txns ?? [];

  it("groups a 2pc trace's messages and decide notes by transaction, with votes and decisions", () => {
    expect(groups.length).toBeGreaterThan(10);
    for (const g of groups) {
      expect(g.coordinator).toBe(0);
      expect(g.participants).toHaveLength(2);
      expect(g.t1).toBeGreaterThanOrEqual(g.t0);
    }
    const decided = groups.filter((g) => outcomeOf(g) !== null);
    expect(decided.length).toBeGreaterThan(10);
    const committed = decided.filter((g) => outcomeOf(g) === "commit");
    for (const g of committed) expect(g.votes.map((v) => v.vote)).toEqual(["yes", "yes"]);
    const aborted = decided.filter((g) => outcomeOf(g) === "abort");
    expect(aborted.some((g) => g.votes.some((v) => v.vote === "no"))).toBe(true);
  });

  it("finds the transaction at a lane and time and describes it for the inspector", () => {
    const g = groups.find((x) => outcomeOf(x) === "commit") as TxnGroup;
    const d = g.decisions[0] as { t: number; lane: number };
    expect(txnAt(groups, d.lane, d.t)?.txn).toBe(g.txn);
    const rows = Object.fromEntries(
      txnRows(
        g,
        (l) => m.lanes[l]?.id ?? "?",
        (t) => `${t}us`,
      ),
    );
    expect(rows).toMatchObject({
      transaction: g.txn,
      outcome: "commit",
      coordinator: "n1",
      participants: g.participants.join(", "),
    });
    expect(rows[`vote ${g.participants[0]}`]).toMatch(/^yes at \d+us$/);
  });

  it(
    "draws bands, votes and labelled decisions when few " + "transactions are in view, and only ticks when many are",
    () => {
      const f = noFilters();
      const near = layout(m, { t0: 0, t1: m.tMax, width: 1200, height: 640 }, f).prims;
      expect(near.filter((p) => "cls" in p && p.cls === "txn-band").length).toBeGreaterThan(20);
      expect(near.some((p) => "cls" in p && p.cls === "txn-vote txn-vote-no")).toBe(true);
      expect(near.some((p) => p.p === "text" && /^\d+\.\d+ abort$/.test(p.text))).toBe(true);
      const far = run("2pc-basic.yaml", 2, 3_000_000);
      const prims = layout(far, { t0: 0, t1: far.tMax, width: 1200, height: 640 }, f).prims;
      expect(prims.some((p) => "cls" in p && p.cls === "txn-band")).toBe(false);
      expect(prims.filter((p) => "cls" in p && p.cls === "txn-tick").length).toBeGreaterThan(100);
      f.hiddenKinds.add("txn");
      expect(
        layout(m, { t0: 0, t1: m.tMax, width: 1200, height: 640 }, f).prims.some(
          (p) => "cls" in p && String(p.cls).startsWith("txn"),
        ),
      ).toBe(false);
    },
  );

  it("is absent for other protocols", () => {
    expect(run("demo.yaml", 1, 500_000).txns).toBeUndefined();
  });
});

/** One golden SVG per protocol view, so a change in the drawing shows in review. UPDATE_GOLDEN=1 rewrites them. */
describe("golden SVG per protocol view", () => {
  const views = [
    ["raft", "demo.yaml", 1, 2_500_000],
    ["register", "register-primary-backup.yaml", 1, 2_500_000],
    // a short window, so the transaction groups (bands, votes, decisions) are drawn rather than decision ticks
    ["2pc", "2pc-basic.yaml", 2, 300_000],
  ] as const;
  for (const [name, file, seed, durationMicros] of views) {
    it(`draws the ${name} view the same as test/viz/golden/${name}.svg`, () => {
      const model = run(file, seed, durationMicros);
      const vp = { t0: 0, t1: model.tMax, width: 1200, height: 640 };
      const svg = toSvg(layout(model, vp, noFilters()).prims, vp.width, vp.height);
      const golden = resolve(import.meta.dirname, "golden", `${name}.svg`);
      expectGolden(golden, svg);
    });
  }
});
