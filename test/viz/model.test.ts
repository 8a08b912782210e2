import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel, causalCone, firstDivergence, stepEvent, viewAt } from "../../viz/src/model.ts";
import { layout, toSvg } from "../../viz/src/render.ts";

const root = resolve(import.meta.dirname, "../..");
function run(file: string, seed: number, durationMicros: number) {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, durationMicros, sink: "record" });
  const events = [...(r.trace?.events() ?? [])] as TraceEvent[];
  return buildModel(r.header, events, true);
}
const noFilters = () => ({ hiddenLanes: new Set<number>(), hiddenTypes: new Set<string>(), hiddenKinds: new Set<string>(), text: "" });

describe("viewer model", () => {
  const m = run("demo.yaml", 1, 5_000_000);

  it("has one lane per node grouped by datacenter, then the clients", () => {
    expect(m.lanes.map((l) => l.id)).toEqual(["n1", "n2", "n3", "n4", "n5", "c1", "c2", "c3", "c4"]);
    expect(m.dcs.map((d) => [d.name, d.first, d.last])).toEqual([["us-east", 0, 1], ["us-west", 2, 3], ["eu-west", 4, 4]]);
    expect(m.msgCount).toBeGreaterThan(100);
  });

  it("answers a node's view at any time from its state history", () => {
    const late = viewAt(m, 0, m.tMax);
    expect(late?.v.term).toBeGreaterThan(0);
    expect(viewAt(m, 0, -1)).toBeNull();
  });

  it("computes the causal cone through send -> deliver and program order", () => {
    const k = Array.from({ length: m.msgCount }, (_, i) => i).find((i) => m.msgStatus[i] === 0 && m.msgFrom[i] !== m.msgTo[i]) as number;
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

  it("escapes trace text in SVG", () => {
    const svg = toSvg([{ p: "text", x: 0, y: 0, text: "<script>x</script>", fill: "#000", size: 10 }], 10, 10);
    expect(svg).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(svg).not.toContain("<script>");
  });
});

/** One golden SVG per protocol view, so a change in the drawing shows in review. UPDATE_GOLDEN=1 rewrites them. */
describe("golden SVG per protocol view", () => {
  for (const [name, file, seed] of [["raft", "demo.yaml", 1], ["register", "register-primary-backup.yaml", 1]] as const) {
    it(`draws the ${name} view the same as test/viz/golden/${name}.svg`, () => {
      const model = run(file, seed, 2_500_000);
      const vp = { t0: 0, t1: model.tMax, width: 1200, height: 640 };
      const svg = toSvg(layout(model, vp, noFilters()).prims, vp.width, vp.height);
      const golden = resolve(import.meta.dirname, "golden", `${name}.svg`);
      if (process.env.UPDATE_GOLDEN === "1" || (!existsSync(golden) && !process.env.CI)) writeFileSync(golden, svg);
      expect(svg).toBe(readFileSync(golden, "utf8"));
    });
  }
});
