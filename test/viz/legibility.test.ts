import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { pingScenario } from "../../bench/workloads/ping.ts";
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { DROP_COLOR, typeColor } from "../../viz/src/colors.ts";
import { showValue } from "../../viz/src/format.ts";
import { MessageLayer } from "../../viz/src/messages.ts";
import { explain } from "../../viz/src/explain.ts";
import { buildModel, causalCone, type Model } from "../../viz/src/model.ts";
import { layout, type Prim } from "../../viz/src/render.ts";
import { shadingAt } from "../../viz/src/shadingAt.ts";

const root = resolve(import.meta.dirname, "../..");
function model(s: ResolvedScenario, seed: number, bugs: string[] = []): Model {
  const r = runScenario(s, { registry, seed, bugs, sink: "record" });
  const lines = (r.trace?.toNdjson() ?? "").trimEnd().split("\n");
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[], false, JSON.parse(lines.pop() ?? ""));
}
const scenario = (file: string) =>
  parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
const noFilters = () => ({
  hiddenLanes: new Set<number>(),
  hiddenTypes: new Set<string>(),
  hiddenKinds: new Set<string>(),
  text: "",
});
type Mark = Extract<Prim, { p: "mark" }>;
const marks = (prims: Prim[]) => prims.filter((p): p is Mark => p.p === "mark" && p.ring !== true);

describe("colours and glyphs", () => {
  it("gives every message type its own colour however many types there are, and none is the drop red", () => {
    for (const n of [3, 10, 11, 16, 40]) {
      const colors = Array.from({ length: n }, (_, i) => typeColor(i, n));
      expect(new Set(colors).size, `${n} types`).toBe(n);
      for (const c of colors) {
        expect(c).not.toBe(DROP_COLOR);
        const h = d3.hsl(c).h;
        // not a red (hue within 20 degrees of 0): red means dropped
        expect(Math.min(h, 360 - h), `${c} of ${n}`).toBeGreaterThan(20);
      }
    }
  });

  it("draws one glyph per meaning (drops, crashes, votes, decisions, faults, violations, commits, notes)", () => {
    const raft = model(scenario("raft-figure8.yaml"), 1, ["commit-old-term"]);
    const twoPc = model({ ...scenario("2pc-coordinator-crash.yaml"), durationMicros: 2_000_000 }, 1);
    const meaning = new Map<string, Set<string>>();
    for (const [m, t0, t1] of [
      [raft, 4_000_000, raft.tMax],
      [raft, 0, raft.tMax],
      [twoPc, 1_400_000, 1_900_000],
    ] as const) {
      const { prims } = layout(m, { t0, t1, width: 1400, height: 700 }, noFilters());
      for (const p of marks(prims)) {
        const what = (p.cls ?? "").split(" ")[0] as string;
        const key = what === "marker" ? (p.cls ?? "") : what === "txn-vote" ? (p.cls ?? "") : what;
        if (!meaning.has(p.shape)) meaning.set(p.shape, new Set());
        meaning.get(p.shape)?.add(key);
      }
    }
    expect(meaning.get("x")).toEqual(new Set(["drop-mark"]));
    for (const [shape, whats] of meaning) expect([...whats], `glyph ${shape}`).toHaveLength(1);
    expect(meaning.size).toBeGreaterThanOrEqual(6);
  });
});

describe("labels and strips", () => {
  it("keeps the run-ended label clear of the first-divergence label", () => {
    const m = model({ ...scenario("raft-figure8.yaml") }, 1, ["commit-old-term"]);
    const vp = { t0: 0, t1: m.tMax * 1.5, width: 1200, height: 640 };
    const { prims } = layout(m, vp, noFilters(), null, m.tMax - 50_000);
    const text = (cls: string) => prims.find((p) => p.p === "text" && p.cls === cls) as Extract<Prim, { p: "text" }>;
    const ended = text("after-end-label");
    const diverged = text("divergence-label");
    expect(ended).toBeDefined();
    expect(diverged).toBeDefined();
    expect(Math.abs(ended.y - diverged.y)).toBeGreaterThanOrEqual(12);
  });

  it("gives a density strip most of the half-lane above the line (not 10 px of a 155 px lane)", () => {
    const m = model(pingScenario(3_000_000, true), 1);
    const layer = new MessageLayer(m);
    const ys = new Float64Array(m.lanes.length).map((_, i) => 100 + 155 * i);
    const stats = layer.layout({
      scale: 1000 / m.tMax,
      offset: 120,
      xMin: 120,
      xMax: 1120,
      t0: 0,
      t1: m.tMax,
      ys,
      laneH: 155,
      hiddenType: new Uint8Array(m.types.length),
      showDrops: true,
      cone: null,
    });
    expect(stats.mode).toBe("density");
    expect(layer.density.stripH).toBeGreaterThanOrEqual(0.4 * 155);
    expect(layer.density.stripH + 2).toBeLessThan(155 / 2);
  });

  it("greys density strips and quorum acks outside the causal cone", () => {
    const m = model(pingScenario(3_000_000, true), 1);
    const sel = { lane: 0, t: m.tMax / 2 };
    const { prims, stats } = layout(m, { t0: 0, t1: m.tMax, width: 1200, height: 640 }, noFilters(), sel);
    expect(stats.mode).toBe("density");
    expect(prims.filter((p) => p.cls === "density-out-of-cone").length).toBe(m.lanes.length);
    const raft = model(scenario("demo.yaml"), 1);
    const c = raft.commits[20];
    if (c === undefined) throw new Error("demo has commits");
    const cone = causalCone(raft, c.lane, c.t - 1);
    const r = layout(raft, { t0: c.t - 400_000, t1: c.t + 400_000, width: 1200, height: 640 }, noFilters(), {
      lane: c.lane,
      t: c.t - 1,
    });
    const acks = r.prims.filter((p) => p.cls?.startsWith("quorum-ack"));
    expect(acks.some((p) => p.cls === "quorum-ack out-of-cone")).toBe(true);
    expect(cone[c.lane]).toBe(c.t - 1);
  });
});

describe("text", () => {
  it("writes view fields with spaces between their parts, so they wrap between words", () => {
    expect(showValue({ n1: 0, n2: 17 })).toBe("n1: 0, n2: 17");
    expect(
      showValue([
        [1, 1],
        [13, 2],
      ]),
    ).toBe("[[1, 1], [13, 2]]");
    expect(showValue("leader")).toBe("leader");
    expect(showValue(null)).toBe("null");
  });

  it("says what down time, term tint and leader bar mean at a point (they have no element to hover)", () => {
    const m = model(scenario("raft-figure8.yaml"), 1, ["commit-old-term"]);
    const d = m.down[0];
    if (d === undefined) throw new Error("figure8 has down time");
    expect(shadingAt(m, d.lane, (d.t0 + d.t1) / 2)).toMatch(new RegExp(`^${m.lanes[d.lane]?.id} down from `));
    const c = m.commits.find((x) => x.index === 18);
    expect(shadingAt(m, c?.lane ?? 0, c?.t ?? 0)).toMatch(/n1 in term 3 .*\nn1 leader of term 3/);
  });
});

describe("labels that meet", () => {
  const figure8 = model(scenario("raft-figure8.yaml"), 1, ["commit-old-term"]);
  type Text = Extract<Prim, { p: "text" }>;
  const texts = (prims: Prim[], cls: string) => prims.filter((p): p is Text => p.p === "text" && p.cls === cls);
  /** Pairs of labels whose boxes (text at ~5 px a character, `h` px high, baseline at y) overlap. */
  const overlaps = (ls: Text[], h: number) => {
    const out: string[] = [];
    for (let i = 0; i < ls.length; i++)
      for (let j = i + 1; j < ls.length; j++) {
        const [a, b] = [ls[i] as Text, ls[j] as Text];
        const apart =
          a.x + a.text.length * 5 <= b.x || b.x + b.text.length * 5 <= a.x || a.y - h >= b.y || b.y - h >= a.y;
        if (!apart) out.push(`${a.text} @${Math.round(a.x)},${a.y} / ${b.text} @${Math.round(b.x)},${b.y}`);
      }
    return out;
  };

  it("stacks the labels of partitions that meet on a lane instead of printing them over each other", () => {
    for (const [t0, t1] of [
      [0, figure8.tMax],
      [3_550_000, 5_141_000],
      [3_000_000, 4_200_000],
    ] as const) {
      const vp = { t0, t1, width: 1400, height: 800 };
      const labels = texts(layout(figure8, vp, noFilters()).prims, "partition-label");
      expect(labels.length).toBeGreaterThan(3);
      expect(overlaps(labels, 9)).toEqual([]);
    }
  });

  it("stacks the numbers of evidence events close together on one lane", () => {
    const v = figure8.violations[0];
    const why = v === undefined ? null : explain(figure8, v);
    const evidence = why?.evidence ?? [];
    const vp = { t0: 3_550_000, t1: figure8.tMax, width: 1400, height: 800 };
    const sel = { lane: v?.lane ?? 0, t: v?.t ?? 0, evidence };
    const numbers = texts(layout(figure8, vp, noFilters(), sel).prims, "evidence-label");
    expect(numbers).toHaveLength(evidence.length);
    expect(overlaps(numbers, 12)).toEqual([]);
  });
});
