import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent, TraceHeader } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { explain } from "../../viz/src/explain.ts";
import { LayoutMap, lamportTimes, logicalModel } from "../../viz/src/logicalTime.ts";
import { buildModel, causalCone, causalConeOf, type Model, stepEvent } from "../../viz/src/model.ts";
import { layout } from "../../viz/src/render.ts";

const root = resolve(import.meta.dirname, "../..");
function run(file: string, seed: number, bugs: string[] = []): Model {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, bugs, sink: "record" });
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[]);
}

/** A hand-made run: n1 sends to n2 late in simulated time but early in n1's history; n3 is busy meanwhile. */
function tiny(): Model {
  const header = {
    v: 1,
    seed: 1,
    bugs: [],
    nodes: [
      { id: "n1", dc: "a" },
      { id: "n2", dc: "a" },
      { id: "n3", dc: "a" },
    ],
    clients: [],
    scenario: { name: "tiny", protocol: { name: "echo" }, durationMicros: 1000 },
  } as unknown as TraceHeader;
  const events: TraceEvent[] = [
    { t: 10, k: "timer", n: "n3", name: "x" },
    { t: 20, k: "timer", n: "n3", name: "x" },
    { t: 30, k: "timer", n: "n3", name: "x" },
    { t: 40, k: "send", n: "n3", to: "n2", ty: "ping", i: 1 },
    { t: 50, k: "send", n: "n1", to: "n2", ty: "ping", i: 2 },
    { t: 60, k: "deliver", n: "n2", from: "n3", i: 1, st: 40 },
    { t: 70, k: "deliver", n: "n2", from: "n1", i: 2, st: 50 },
    { t: 80, k: "send", n: "n2", to: "n1", ty: "pong", i: 3 },
    { t: 80, k: "drop", n: "n2", to: "n1", i: 3, why: "loss" },
    { t: 90, k: "timer", n: "n2", name: "x" },
  ] as unknown as TraceEvent[];
  return buildModel(header, events);
}

describe("the Lamport layout", () => {
  it("ticks each lane's clock per event and takes the send's timestamp on delivery; a drop ticks nothing", () => {
    const m = tiny();
    // n3: 1, 2, 3, send 4; n1: send 1; n2: deliver max(0, 4) + 1 = 5, deliver max(5, 1) + 1 = 6, send 7, drop 8,
    // then a timer that is n2's next tick after the send (8 too: the drop did not count)
    expect(Array.from(lamportTimes(m))).toEqual([1, 2, 3, 4, 1, 5, 6, 7, 8, 8]);
    const l = logicalModel(m);
    expect(l.clock).toBe("lamport");
    expect(Array.from(l.msgT0)).toEqual([4, 1, 7]);
    // the drop happened as the message was sent: it stays at the send, on the sender's lane
    expect(Array.from(l.msgT1)).toEqual([5, 6, 7]);
    expect(l.tMax).toBe(9);
  });

  it("places every message's arrival after its send and keeps each lane's events in program order", () => {
    const m = run("raft-figure8.yaml", 1, ["commit-old-term"]);
    const l = logicalModel(m);
    for (let k = 0; k < l.msgCount; k++)
      if (l.msgStatus[k] === 0) expect(l.msgT1[k] as number).toBeGreaterThan(l.msgT0[k] as number);
    const last = new Float64Array(m.lanes.length);
    for (let i = 0; i < l.evT.length; i++) {
      const lane = l.evLane[i] as number;
      if (lane < 0 || l.kinds[l.evKind[i] as number] === "drop") continue;
      expect(l.evT[i] as number).toBeGreaterThan(last[lane] as number);
      last[lane] = l.evT[i] as number;
    }
    // deliveries in arrival order, as the cone's backward pass needs
    for (let j = 1; j < l.msgDelivered.length; j++)
      expect(l.msgT1[l.msgDelivered[j] as number] as number).toBeGreaterThanOrEqual(
        l.msgT1[l.msgDelivered[j - 1] as number] as number,
      );
    // states and ops keep their lanes' order; markers and commits are sorted for the time indexes
    for (const list of l.states)
      for (let i = 1; i < list.length; i++) expect(list[i]?.t).toBeGreaterThan(list[i - 1]?.t ?? 0);
    for (let i = 1; i < l.markers.length; i++) expect(l.markers[i]?.t).toBeGreaterThanOrEqual(l.markers[i - 1]?.t ?? 0);
    for (const op of l.ops) expect(op.t1).toBeGreaterThanOrEqual(op.t0);
  });

  it("gives the same causal cone as simulated time: the same messages happened-before the violation", () => {
    const m = run("raft-figure8.yaml", 1, ["commit-old-term"]);
    const l = logicalModel(m);
    const v = m.violations[0];
    if (v === undefined) throw new Error("figure8 must violate");
    const inCone = (model: Model, cone: Float64Array) => {
      const out: number[] = [];
      for (let k = 0; k < model.msgCount; k++)
        if (model.msgStatus[k] === 0 && (model.msgT1[k] as number) <= (cone[model.msgTo[k] as number] as number))
          out.push(k);
      return out;
    };
    const physical = inCone(m, causalCone(m, v.lane, v.t));
    const logical = inCone(l, causalCone(l, v.lane, l.violations[0]?.t ?? 0));
    expect(logical.length).toBeGreaterThan(100);
    expect(logical).toEqual(physical);
    // and an explanation's cone, placed by its events
    const why = explain(m, v);
    const map = new LayoutMap(m, l);
    const placed = map.evidence(why?.evidence ?? []);
    expect(placed.map((e) => e.label).sort()).toEqual((why?.evidence ?? []).map((e) => e.label).sort());
    expect(inCone(l, causalConeOf(l, placed))).toEqual(inCone(m, causalConeOf(m, why?.evidence ?? [])));
  });

  it("steps through events in timestamp order, not trace order", () => {
    const l = logicalModel(tiny());
    const seen: number[] = [];
    for (let t: number | null = 0; t !== null; t = stepEvent(l, t, 1, null, null)) seen.push(t);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // on n2: its delivery at 6, its send at 7, the drop and the timer at 8
    expect(stepEvent(l, 7, -1, 0, null)).toBe(1);
  });

  it("maps times between the layouts: globally, and on a lane by its own events", () => {
    const m = tiny();
    const map = new LayoutMap(m, logicalModel(m));
    expect(map.toLogical(55)).toBe(4);
    expect(map.toPhysical(5)).toBe(60);
    expect(map.laneToLogical(0, 55)).toBe(1);
    expect(map.laneToLogical(1, 75)).toBe(6);
    expect(map.laneToPhysical(1, 6)).toBe(70);
    expect(map.laneToPhysical(2, 100)).toBe(40);
  });
});

describe("a linearizability violation's counterexample", () => {
  const m = run("register-primary-backup.yaml", 1, ["stale-backup-read"]);
  const v = m.violations.find((x) => x.text.startsWith("linearizability:"));

  it("lists the ops of the checker's minimal counterexample, from invoke to completion", () => {
    expect(v?.ops).toEqual([75, 109, 118]);
    const why = v === undefined ? null : explain(m, v);
    expect(why?.evidence.map((e) => e.label)).toEqual([
      "c1 r75 write k0 c1:23 -> ok (at n1)",
      "c2 r109 append k0 c2:24 -> ok (at n1)",
      'c3 r118 read k0 -> ok "c1:23" (at n5)',
    ]);
    for (const e of why?.evidence ?? []) {
      const op = m.ops.find((o) => e.label.includes(`r${o.req} `));
      expect(e.since).toBe(op?.t0);
      expect(e.t).toBe(op?.t1);
      expect(m.lanes[e.lane]?.id).toBe(e.label.split(" ")[0]);
    }
    expect(why?.notes.join("\n")).toMatch(/minimal counterexample: no order of these 3 ops is legal/);
  });

  it("brackets each of those ops' bars on the diagram, in both layouts", () => {
    const why = v === undefined ? null : explain(m, v);
    const evidence = why?.evidence ?? [];
    const vp = { t0: 0, t1: m.tMax, width: 1400, height: 800 };
    const f = {
      hiddenLanes: new Set<number>(),
      hiddenTypes: new Set<string>(),
      hiddenKinds: new Set<string>(),
      text: "",
    };
    const sel = { lane: evidence[2]?.lane ?? 0, t: evidence[2]?.t ?? 0, evidence };
    const brackets = layout(m, vp, f, sel).prims.filter((p) => p.cls === "evidence-op");
    expect(brackets).toHaveLength(6);
    const l = logicalModel(m);
    const placed = new LayoutMap(m, l).evidence(evidence);
    for (const e of placed) {
      const op = l.ops.find((o) => e.label.includes(`r${o.req} `));
      expect([e.since, e.t]).toEqual([op?.t0, op?.t1]);
    }
    const lvp = { ...vp, t1: l.tMax };
    // the axis is labelled in timestamps
    const ticks = layout(l, lvp, f).prims.flatMap((p) => (p.p === "text" && p.cls === "tick-label" ? [p.text] : []));
    expect(ticks.length).toBeGreaterThan(3);
    for (const t of ticks) expect(t).toMatch(/^L [\d,]+$/);
    expect(layout(l, lvp, f, { ...sel, evidence: placed }).prims.filter((p) => p.cls === "evidence-op")).toHaveLength(
      6,
    );
  });
});
