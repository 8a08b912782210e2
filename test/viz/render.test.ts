import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pingScenario } from "../../bench/workloads/ping.ts";
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { clipSegment } from "../../viz/src/batch.ts";
import { LONG_MAX, messageIndex } from "../../viz/src/messageIndex.ts";
import { EXACT_MAX, MessageLayer } from "../../viz/src/messages.ts";
import { buildModel, causalCone, type Model, stepEvent } from "../../viz/src/model.ts";
import { LABEL_WIDTH, layout, type Prim, RIGHT_PAD, Scene } from "../../viz/src/render.ts";

const root = resolve(import.meta.dirname, "../..");
function model(s: ResolvedScenario, seed: number, bugs: string[] = []): Model {
  const r = runScenario(s, { registry, seed, bugs, sink: "record" });
  const lines = (r.trace?.toNdjson() ?? "").trimEnd().split("\n");
  const footer = JSON.parse(lines[lines.length - 1] as string);
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[], false, footer);
}
const scenario = (file: string) =>
  parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
const noFilters = () => ({
  hiddenLanes: new Set<number>(),
  hiddenTypes: new Set<string>(),
  hiddenKinds: new Set<string>(),
  text: "",
});
const vp = (m: Model, t0 = 0, t1 = m.tMax) => ({ t0, t1, width: 1200, height: 640 });
const plotRight = 1200 - RIGHT_PAD;

/** The causal cone as the viewer first computed it: a fixpoint over every delivery into each lane (the reference). */
function coneByFixpoint(m: Model, lane: number, t: number): Float64Array {
  const until = new Float64Array(m.lanes.length).fill(Number.NEGATIVE_INFINITY);
  until[lane] = t;
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = 0; k < m.msgCount; k++) {
      if (m.msgStatus[k] !== 0) continue;
      const from = m.msgFrom[k] as number;
      if (
        (m.msgT1[k] as number) <= (until[m.msgTo[k] as number] as number) &&
        (m.msgT0[k] as number) > (until[from] as number)
      ) {
        until[from] = m.msgT0[k] as number;
        changed = true;
      }
    }
  }
  return until;
}

describe("a large trace in the viewer", () => {
  // about 50K events: 9 s of five nodes pinging each other with 1% loss
  const big = model(pingScenario(11_000_000, true), 1);

  it("draws message density, not the first messages in time, when more are in view than EXACT_MAX", () => {
    expect(big.msgCount).toBeGreaterThan(EXACT_MAX * 4);
    const { prims, stats } = layout(big, vp(big), noFilters());
    expect(stats.mode).toBe("density");
    expect(stats.inView).toBe(big.msgCount);
    expect(stats.legend).toMatch(/too many to draw one by one/);
    expect(prims.some((p) => p.p === "text" && p.cls === "lod-legend")).toBe(true);
    // the density reaches the end of the run: the last columns of every lane count messages
    const svg: string[] = [];
    for (const p of prims) if (p.p === "layer" && p.cls === "messages") p.layer.svg(svg);
    const xs = svg.flatMap((e) =>
      [...e.matchAll(/M([\d.]+) [\d.]+h([\d.]+)/g)].map((m) => Number(m[1]) + Number(m[2])),
    );
    expect(Math.max(...xs)).toBeGreaterThan(plotRight - 5);
    // and it is exported as a few paths (one per colour and shade), bounded by the pixels, not by the 25K messages
    expect(svg.length).toBeLessThan(400);
    expect(svg.join("").length).toBeLessThan(200_000);
  });

  it("draws each message again once few enough are in view", () => {
    const { stats, arrows } = layout(big, vp(big, 4_000_000, 4_200_000), noFilters());
    expect(stats.mode).toBe("exact");
    expect(arrows).toBeGreaterThan(100);
    expect(arrows).toBeLessThanOrEqual(EXACT_MAX);
    expect(stats.legend).toMatch(/^messages: each drawn/);
  });

  it("indexes every message in exactly one slot, in send order, with at most LONG_MAX long ones listed apart", () => {
    const ix = messageIndex(big);
    expect(ix.slotStart[ix.slots]).toBe(big.msgCount);
    expect(new Set(ix.order).size).toBe(big.msgCount);
    for (let s = 0; s < ix.slots; s++) {
      for (let i = (ix.slotStart[s] as number) + 1; i < (ix.slotStart[s + 1] as number); i++)
        expect(ix.orderT0[i]).toBeGreaterThanOrEqual(ix.orderT0[i - 1] as number);
    }
    expect(ix.long.length).toBeLessThanOrEqual(LONG_MAX);
    for (let k = 0; k < big.msgCount; k++)
      if ((big.msgT1[k] as number) - (big.msgT0[k] as number) > ix.longMicros) expect(ix.long).toContain(k);
  });

  it("computes the causal cone in one backward pass exactly as the fixpoint does", () => {
    for (const [lane, t] of [
      [0, 3_000_000],
      [2, 8_000_000],
      [4, big.tMax],
    ] as const) {
      expect([...causalCone(big, lane, t)]).toEqual([...coneByFixpoint(big, lane, t)]);
    }
  });

  it("steps to the same events as a scan from the start would", () => {
    for (const t of [0, 1_234_567, 5_000_000]) {
      for (const dir of [1, -1] as const) {
        let want: number | null = null;
        for (let i = 0; i < big.evT.length; i++) {
          const at = big.evT[i] as number;
          if (big.evLane[i] !== 3 || big.evKind[i] !== big.kinds.indexOf("deliver")) continue;
          if (dir === 1 && at > t) {
            want = at;
            break;
          }
          if (dir === -1 && at < t) want = at;
        }
        expect(stepEvent(big, t, dir, 3, "deliver")).toBe(want);
      }
    }
  });
});

describe("what the diagram draws", () => {
  const inPlot = (p: Prim) =>
    p.p === "line"
      ? Math.min(p.x1, p.x2) >= LABEL_WIDTH - 0.01 && Math.max(p.x1, p.x2) <= plotRight + 0.01
      : p.p === "mark"
        ? p.x >= LABEL_WIDTH && p.x <= plotRight
        : true;

  it("ends a run stopped by a violation where it stopped, not at its planned duration", () => {
    const m = model(scenario("raft-figure8.yaml"), 1, ["commit-old-term"]);
    expect(m.stop).toBe("violation");
    expect(m.tMax).toBe(m.violations[0]?.t);
    expect(m.tMax).toBeLessThan(m.header.scenario.durationMicros);
  });

  it("keeps the commit quorum and transaction marks inside the plot when zoomed in", () => {
    const raft = model({ ...scenario("demo.yaml"), durationMicros: 2_500_000 }, 1);
    const prims = layout(raft, vp(raft, 1_200_000, 1_500_000), noFilters()).prims;
    expect(prims.filter((p) => p.p === "line" && p.cls === "quorum-ack").length).toBeGreaterThan(0);
    expect(prims.filter((p) => p.cls === "quorum-ack" || p.cls === "commit-mark").every(inPlot)).toBe(true);
    const twoPc = model({ ...scenario("2pc-basic.yaml"), durationMicros: 300_000 }, 2);
    const txn = layout(twoPc, vp(twoPc, 100_000, 160_000), noFilters()).prims.filter(
      (p) => "cls" in p && String(p.cls).startsWith("txn"),
    );
    expect(txn.length).toBeGreaterThan(5);
    expect(txn.every(inPlot)).toBe(true);
    expect(
      txn
        .filter((p) => p.p === "rect")
        .every((p) => p.p === "rect" && p.x >= LABEL_WIDTH && p.x + p.w <= plotRight + 0.01),
    ).toBe(true);
  });

  it("labels a partition's lanes with the lanes they cannot reach", () => {
    const demo = model(scenario("demo.yaml"), 1);
    const labels = layout(demo, vp(demo, 3_500_000, 6_500_000), noFilters())
      .prims.filter((p) => p.p === "text" && p.cls === "partition-label")
      .map((p) => (p.p === "text" ? p.text : ""));
    expect(labels).toContain("cut from n3 n4 n5");
    expect(labels).toContain("cut from n1 n2");
  });

  it("highlights each lane's happened-before stretch when a point is selected", () => {
    const demo = model({ ...scenario("demo.yaml"), durationMicros: 2_000_000 }, 1);
    const sel = { lane: 0, t: 1_500_000 };
    const bands = layout(demo, vp(demo), noFilters(), sel, null, new Scene()).prims.filter(
      (p) => p.p === "rect" && p.cls === "cone-band",
    );
    expect(bands.length).toBeGreaterThan(3);
  });

  it(
    "ends a dropped message's arrow in a cross where it was dropped: on its path inside the sender's lane at send " +
      "time, on the receiver on arrival",
    () => {
      // register-primary-backup: n3 crashes at 2 s (messages to it dropped on arrival), eu-west is cut off at 4 s
      // (sends into the cut dropped at once; messages already in flight dropped on arrival), a lossy link from 5 s.
      const s = scenario("register-primary-backup.yaml");
      const r = runScenario({ ...s, durationMicros: 6_000_000 }, { registry, seed: 1, sink: "record" });
      const events = [...(r.trace?.events() ?? [])] as TraceEvent[];
      const m = buildModel(
        r.header,
        events,
        false,
        JSON.parse((r.trace?.toNdjson() ?? "").trimEnd().split("\n").pop() as string),
      );
      const lane = new Map(m.lanes.map((l, i) => [l.id, i]));
      // Expected from the trace alone: a drop right after its own send, at the same time, was decided at send time.
      const want = new Map<string, { t: number; atSend: boolean }>();
      events.forEach((e, i) => {
        if (e.k !== "drop") return;
        const prev = events[i - 1];
        const atSend = prev?.k === "send" && prev.i === e.i && prev.t === e.t;
        const sentAt = atSend ? e.t : (events.find((x) => x.k === "send" && x.i === e.i)?.t as number);
        want.set(`${e.n}>${e.to}@${sentAt}`, { t: e.t, atSend });
      });
      expect([...want.values()].filter((w) => w.atSend).length).toBeGreaterThan(10);
      expect([...want.values()].filter((w) => !w.atSend).length).toBeGreaterThan(10);
      let checked = 0;
      let farDrops = 0;
      for (const [t0, t1] of [
        [1_950_000, 2_150_000],
        [3_950_000, 4_150_000],
        [5_000_000, 5_400_000],
      ] as const) {
        const v = vp(m, t0, t1);
        const ys = new Float64Array(m.lanes.length).map((_, i) => 50 + 40 * i);
        const scale = (plotRight - LABEL_WIDTH) / (t1 - t0);
        const layer = new MessageLayer(m);
        layer.layout({
          scale,
          offset: LABEL_WIDTH - t0 * scale,
          xMin: LABEL_WIDTH,
          xMax: plotRight,
          t0,
          t1,
          ys,
          laneH: 40,
          hiddenType: new Uint8Array(m.types.length),
          showDrops: true,
          cone: null,
        });
        expect(v.width).toBe(1200);
        for (const d of layer.drops) {
          const k = d.message;
          const [from, to] = [
            m.lanes[m.msgFrom[k] as number]?.id as string,
            m.lanes[m.msgTo[k] as number]?.id as string,
          ];
          const w = want.get(`${from}>${to}@${m.msgT0[k]}`);
          expect(w, `drop ${from}>${to} sent at ${m.msgT0[k]}`).toBeDefined();
          const [yFrom, yTo] = [ys[lane.get(from) as number] as number, ys[lane.get(to) as number] as number];
          expect(d.x).toBeCloseTo((w?.t as number) * scale + LABEL_WIDTH - t0 * scale, 6);
          if (w?.atSend) {
            // on the way towards the receiver, within the sender's lane (lanes are 40 px apart), off its line
            expect(Math.sign(d.y - yFrom)).toBe(Math.sign(yTo - yFrom));
            expect(Math.abs(d.y - yFrom)).toBeLessThan(20);
            expect(Math.abs(d.y - yFrom)).toBeGreaterThanOrEqual(4);
            if (Math.abs(yTo - yFrom) > 40) farDrops++;
          } else expect(d.y).toBeCloseTo(yTo, 6);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(farDrops, "drops at send between lanes that are not neighbours").toBeGreaterThan(0);
    },
  );

  it("clips a segment to the plot, whichever way it runs", () => {
    const seg = new Float64Array([200, 10, 0, 30]);
    expect(clipSegment(seg, 100, 300)).toBe(true);
    expect([...seg]).toEqual([100, 20, 200, 10]);
    expect(clipSegment(new Float64Array([0, 0, 50, 10]), 100, 300)).toBe(false);
  });
});
