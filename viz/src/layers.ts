/**
 * The diagram's layers other than messages, laid out for one frame: backgrounds (datacenters, Raft terms and
 * leadership, partitions, down time), lanes, client ops, the commit quorum, state ticks and markers. Each finds what
 * is in view by binary search (timeIndex.ts) and keeps its output bounded by pixels: state ticks are one per pixel
 * column, and ops and markers switch to an aggregated drawing (said in the legend) when more are in view than can be
 * told apart.
 */
import { type Batch, clipSegment } from "./batch.ts";
import { COMMIT, DOWN, GREY, LEADER, PARTITION, TERM_TINTS } from "./colors.ts";
import { timeFormat } from "./format.ts";
import { lowerBound, upperBound } from "./messageIndex.ts";
import type { Model } from "./model.ts";
import type { Filters, Prim, Shape, Viewport } from "./prim.ts";
import { markerTexts, opRange, timeIndex } from "./timeIndex.ts";

/** One frame's geometry: x = t * scale + offset, the plot spans [xMin, xMax] and ends at `bottom`. */
export interface Frame {
  model: Model;
  vp: Viewport;
  f: Filters;
  ys: Float64Array;
  laneH: number;
  scale: number;
  offset: number;
  x: (t: number) => number;
  xMin: number;
  xMax: number;
  bottom: number;
  /** Labels drawn over the messages (on a white ground), so lines do not cross them. */
  labels: Prim[];
}

/** Term tints are drawn at this opacity (the legend's swatch shows the same shade). */
export const TERM_OPACITY = 0.55;
const DC_TINTS = ["#f7f9fc", "#fbf8f3", "#f5faf4", "#faf5fa"];
/** Up to this many client ops in view, each is a bar with its tooltip; above, outcome shares per bin. */
export const MAX_OP_BARS = 1_500;
export const OP_BIN_PX = 3;
/** Up to this many markers in view, each is an interactive mark; above, ticks (one per lane, kind and pixel). */
export const MAX_MARKS = 400;

export const OUTCOME_COLORS: Record<string, string> = {
  ok: "#2e9e5b",
  fail: "#d64545",
  info: "#e8a33d",
  pending: "#9aa5b1",
};

const clampX = (G: Frame, t: number) => Math.max(G.xMin, Math.min(G.xMax, G.x(t)));
const visible = (G: Frame, t0: number, t1: number) => t1 >= G.vp.t0 && t0 <= G.vp.t1;

/** Datacenter bands, each node's term tint and leadership bar, partitions and down time. */
export function backgrounds(G: Frame, prims: Prim[]): void {
  const { model, vp, ys, laneH } = G;
  model.dcs.forEach((dc, d) => {
    let first = -1;
    let last = -1;
    for (let l = dc.first; l <= dc.last; l++) {
      if (Number.isNaN(ys[l] as number)) continue;
      if (first < 0) first = l;
      last = l;
    }
    if (first < 0) return;
    const top = (ys[first] as number) - laneH / 2;
    const bottom = (ys[last] as number) + laneH / 2;
    prims.push({
      p: "rect",
      x: 0,
      y: top,
      w: vp.width,
      h: bottom - top,
      fill: DC_TINTS[d % DC_TINTS.length] as string,
      cls: "dc-band",
    });
    prims.push({ p: "text", x: 6, y: top + 12, text: dc.name, fill: "#666", size: 10, weight: "600", cls: "dc-label" });
  });
  terms(G, prims);
  const labelled = new Map<number, Placed[]>();
  for (const p of model.partitions) if (visible(G, p.t0, p.t1)) partition(G, prims, p, labelled);
  for (const d of model.down) {
    const y = ys[d.lane] as number;
    if (Number.isNaN(y) || y === undefined || !visible(G, d.t0, d.t1)) continue;
    prims.push({
      p: "rect",
      x: clampX(G, d.t0),
      y: y - laneH * 0.3,
      w: Math.max(1, clampX(G, d.t1) - clampX(G, d.t0)),
      h: laneH * 0.6,
      fill: DOWN.fill,
      opacity: DOWN.opacity,
      cls: "down-span",
      title: `${model.lanes[d.lane]?.id} down`,
    });
  }
}

/**
 * A partition: each lane it cuts shaded for its duration, labelled at the start with the lanes it cannot send to
 * (when there is room), so the sides can be read off the diagram; hovering a lane says both directions.
 */
/** A label placed on a lane: its extent and row (labels on one lane that would overlap go to the next row). */
type Placed = { x0: number; x1: number; row: number };

function partition(G: Frame, prims: Prim[], p: Model["partitions"][number], labelled: Map<number, Placed[]>): void {
  const { model, ys, laneH } = G;
  const cutTo = new Map<number, Set<number>>();
  for (const b of p.blocks) {
    for (const l of [...b.from, ...b.to]) if (!cutTo.has(l)) cutTo.set(l, new Set());
    for (const l of b.from) for (const m of b.to) cutTo.get(l)?.add(m);
  }
  const x0 = clampX(G, p.t0);
  const w = Math.max(1, clampX(G, p.t1) - x0);
  for (const [l, to] of cutTo) {
    const y = ys[l] as number;
    if (Number.isNaN(y) || y === undefined) continue;
    const names = [...to].sort((a, b) => a - b).map((m) => model.lanes[m]?.id ?? "?");
    prims.push({
      p: "rect",
      x: x0,
      y: y - laneH / 2,
      w,
      h: laneH,
      fill: PARTITION.fill,
      opacity: PARTITION.opacity,
      cls: "partition-span",
      title: `partition ${p.id} (${p.kind}): ${model.lanes[l]?.id} cannot send to ${names.join(", ") || "none"}`,
    });
    const label = names.length === 0 ? "" : `cut from ${names.join(" ")}`;
    const fits = Math.floor((w - 6) / 5.2);
    const text = label.length <= fits ? label : `${label.slice(0, fits - 1)}…`;
    // labels of partitions that meet on a lane stack: each takes the first row where it overlaps no other
    const placed = labelled.get(l) ?? [];
    labelled.set(l, placed);
    const x1 = x0 + 2 + text.length * 5 + 3;
    let row = 0;
    while (placed.some((q) => q.row === row && q.x0 < x1 + 4 && x0 < q.x1 + 4)) row++;
    if (label !== "" && fits >= 8 && (row + 1) * 10 < laneH) {
      placed.push({ x0, x1, row });
      const ly = y - laneH / 2 + 10 + row * 10;
      G.labels.push(
        {
          p: "rect",
          x: x0 + 2,
          y: ly - 8,
          w: text.length * 5 + 3,
          h: 10,
          fill: "#ffffff",
          opacity: 0.85,
          cls: "label-ground",
        },
        { p: "text", x: x0 + 3, y: ly, text, fill: "#b03030", size: 9, cls: "partition-label" },
      );
    }
  }
}

/** Raft overlay: each node's lane tinted by its term, a gold bar while it leads. */
function terms(G: Frame, prims: Prim[]): void {
  const { model, vp, ys, laneH } = G;
  const ix = timeIndex(model);
  model.lanes.forEach((lane, l) => {
    const y = ys[l] as number;
    const sp = ix.spans[l];
    if (Number.isNaN(y) || lane.kind !== "node" || sp === undefined) return;
    for (let i = Math.max(0, upperBound(sp.t0, vp.t0) - 1); i < sp.t0.length && (sp.t0[i] as number) <= vp.t1; i++) {
      const t0 = sp.t0[i] as number;
      const t1 = sp.t1[i] as number;
      if (t1 < vp.t0) continue;
      const term = sp.term[i] as number;
      const x0 = clampX(G, t0);
      const w = Math.max(0, clampX(G, t1) - x0);
      if (term >= 0)
        prims.push({
          p: "rect",
          x: x0,
          y: y - laneH * 0.35,
          w,
          h: laneH * 0.7,
          fill: TERM_TINTS[term % TERM_TINTS.length] as string,
          opacity: TERM_OPACITY,
          cls: "term-band",
          title: `term ${term}`,
        });
      const lead = sp.lead[i] as string;
      if (lead !== "")
        prims.push({
          p: "rect",
          x: x0,
          y: y - 2.5,
          w,
          h: 5,
          fill: LEADER.fill,
          opacity: LEADER.opacity,
          cls: "leader-span",
          title: `${lane.id} ${lead}${term >= 0 ? ` of term ${term}` : ""}`,
        });
    }
  });
}

/** Causal cone: on each lane, the stretch whose events happened-before the selection (up to cone[lane]). */
export function coneBands(G: Frame, prims: Prim[], cone: Float64Array): void {
  G.model.lanes.forEach((lane, l) => {
    const y = G.ys[l] as number;
    const until = cone[l] as number;
    if (Number.isNaN(y) || until === Number.NEGATIVE_INFINITY || until < G.vp.t0) return;
    const x1 = clampX(G, until);
    prims.push({
      p: "rect",
      x: G.xMin,
      y: y - G.laneH * 0.12,
      w: Math.max(1, x1 - G.xMin),
      h: G.laneH * 0.24,
      fill: "#8e44ad",
      opacity: 0.14,
      cls: "cone-band",
      title: `${lane.id}: everything up to ${timeFormat(G.model)(until)} happened-before the selection`,
    });
  });
}

/**
 * Past the end of this run (the axis runs on when a longer what-if run is shown beside it): greyed, and why it ended.
 */
export function afterEnd(G: Frame, prims: Prim[]): void {
  const { model, vp } = G;
  if (vp.t1 <= model.tMax) return;
  const x0 = clampX(G, model.tMax);
  const why = model.stop === null ? "" : ` (${model.stop})`;
  prims.push({
    p: "rect",
    x: x0,
    y: 28,
    w: G.xMax - x0,
    h: G.bottom - 28,
    fill: "#eef0f3",
    opacity: 0.8,
    cls: "after-end",
    title: `this run ended at ${timeFormat(model)(model.tMax)}${why}`,
  });
  if (G.xMax - x0 > 120)
    prims.push({
      p: "text",
      x: x0 + 6,
      // at the bottom: the top of the plot holds the first-divergence label, often at the same place
      y: G.bottom - 6,
      text: `run ended at ${timeFormat(model)(model.tMax)}${why}`,
      fill: "#52606d",
      size: 10,
      cls: "after-end-label",
    });
}

export function laneLines(G: Frame, prims: Prim[]): void {
  G.model.lanes.forEach((lane, l) => {
    const y = G.ys[l] as number;
    if (Number.isNaN(y)) return;
    prims.push({
      p: "line",
      x1: G.xMin,
      y1: y,
      x2: G.xMax,
      y2: y,
      stroke: lane.kind === "node" ? "#9aa5b1" : "#c8cdd3",
      width: 1,
      cls: "lane-line",
    });
    prims.push({
      p: "text",
      x: G.xMin - 8,
      y: y + 4,
      text: lane.id,
      fill: lane.kind === "node" ? "#1f2933" : "#52606d",
      size: 11,
      anchor: "end",
      weight: lane.kind === "node" ? "600" : "400",
      cls: "lane",
    });
  });
}

/**
 * Client ops as bars from invoke to completion, or outcome shares per bin when too many; returns how many were
 * aggregated.
 */
export function clientOps(G: Frame, prims: Prim[], batch: Batch): number {
  const { model, vp, ys } = G;
  const ix = timeIndex(model);
  let total = 0;
  const ranges: [number, number, number][] = [];
  model.lanes.forEach((_, l) => {
    if (Number.isNaN(ys[l] as number) || (ix.ops[l]?.length ?? 0) === 0) return;
    const [a, b] = opRange(ix, l, vp.t0, vp.t1);
    ranges.push([l, a, b]);
    total += b - a;
  });
  const inView = (o: { t0: number; t1: number }) => visible(G, o.t0, o.t1) && o.t1 - o.t0 <= ix.opMaxMicros;
  const longs = ix.longOps.filter((o) => visible(G, o.t0, o.t1) && !Number.isNaN(ys[o.lane] as number));
  if (total + longs.length <= MAX_OP_BARS) {
    for (const [l, a, b] of ranges)
      for (let i = a; i < b; i++)
        if (inView(ix.ops[l]?.[i] as { t0: number; t1: number }))
          opBar(G, prims, ix.ops[l]?.[i] as Model["ops"][number]);
    for (const o of longs) opBar(G, prims, o);
    return 0;
  }
  return aggregateOps(G, batch, ranges, longs);
}

/** What an op bar's tooltip says: the operation, its outcome and result. */
export function opTitle(op: Model["ops"][number]): string {
  const o = op.op as { f?: string; key?: string; value?: unknown } | null;
  const arg = o?.value !== undefined ? ` ${typeof o.value === "string" ? o.value : JSON.stringify(o.value)}` : "";
  return (
    `${o?.f ?? "op"} ${o?.key ?? ""}${arg} -> ` +
    `${op.outcome}${op.value !== null && op.value !== undefined ? ` ${JSON.stringify(op.value)}` : ""}` +
    `${op.node ? ` (at ${op.node})` : ""}`
  );
}

function opBar(G: Frame, prims: Prim[], op: Model["ops"][number]): void {
  const y = G.ys[op.lane] as number;
  const x0 = clampX(G, op.t0);
  prims.push({
    p: "rect",
    x: x0,
    y: y - G.laneH * 0.22,
    w: Math.max(2, clampX(G, op.t1) - x0),
    h: G.laneH * 0.44,
    fill: OUTCOME_COLORS[op.outcome] ?? "#9aa5b1",
    opacity: 0.85,
    cls: `op op-${op.outcome}`,
    title: opTitle(op),
  });
}

const OUTCOMES = ["fail", "info", "pending", "ok"] as const;
let opBins = new Float64Array(0);

/**
 * Ops per lane in bins of OP_BIN_PX: each bin a stacked bar of outcome shares (eighths of the bar; any outcome present
 * gets at least one eighth, so a single failure among many successes still shows), equal neighbours merged.
 */
function aggregateOps(G: Frame, batch: Batch, ranges: [number, number, number][], longs: Model["ops"]): number {
  const { model, laneH } = G;
  const ix = timeIndex(model);
  const styles = OUTCOMES.map((o) =>
    batch.style({
      shape: "rect",
      color: OUTCOME_COLORS[o] as string,
      width: 0,
      alpha: 0.85,
      dash: null,
      cls: `op-agg op-${o}`,
    }),
  );
  const bins = Math.ceil((G.xMax - G.xMin) / OP_BIN_PX) + 1;
  if (opBins.length < bins * 4) opBins = new Float64Array(bins * 4);
  let count = 0;
  for (const [l, a, b] of ranges) {
    opBins.fill(0, 0, bins * 4);
    const add = (op: Model["ops"][number]) => {
      const b0 = Math.floor((clampX(G, op.t0) - G.xMin) / OP_BIN_PX);
      const b1 = Math.floor((clampX(G, op.t1) - G.xMin) / OP_BIN_PX);
      const o = OUTCOMES.indexOf(op.outcome);
      for (let k = b0; k <= b1; k++) opBins[k * 4 + o] = (opBins[k * 4 + o] as number) + 1;
      count++;
    };
    for (let i = a; i < b; i++) {
      const op = ix.ops[l]?.[i] as Model["ops"][number];
      if (visible(G, op.t0, op.t1) && op.t1 - op.t0 <= ix.opMaxMicros) add(op);
    }
    for (const op of longs) if (op.lane === l) add(op);
    const top = (G.ys[l] as number) - laneH * 0.22;
    const h = laneH * 0.44;
    let run = -1;
    const q = [0, 0, 0, 0];
    const prev = [0, 0, 0, 0];
    const flush = (end: number) => {
      if (run < 0) return;
      let acc = 0;
      for (let o = 0; o < 4; o++) {
        if ((prev[o] as number) > 0)
          batch.add(
            styles[o] as number,
            G.xMin + run * OP_BIN_PX,
            top + (acc / 8) * h,
            (end - run) * OP_BIN_PX,
            ((prev[o] as number) / 8) * h,
          );
        acc += prev[o] as number;
      }
    };
    for (let k = 0; k < bins; k++) {
      eighths(opBins, k * 4, q);
      if (run >= 0 && q.every((v, o) => v === prev[o])) continue;
      flush(k);
      run = q.every((v) => v === 0) ? -1 : k;
      for (let o = 0; o < 4; o++) prev[o] = q[o] as number;
    }
    flush(bins);
  }
  return count;
}

/** Shares of bins[at .. at + 4) in eighths summing to 8 (0 when empty); present outcomes get at least one. */
function eighths(bins: Float64Array, at: number, q: number[]): void {
  let sum = 0;
  for (let o = 0; o < 4; o++) sum += bins[at + o] as number;
  if (sum === 0) {
    q.fill(0);
    return;
  }
  let given = 0;
  let big = 0;
  for (let o = 0; o < 4; o++) {
    const v = bins[at + o] as number;
    q[o] = v === 0 ? 0 : Math.max(1, Math.floor((v / sum) * 8));
    given += q[o] as number;
    if (v > (bins[at + big] as number)) big = o;
  }
  q[big] = (q[big] as number) + 8 - given;
}

/** Raft overlay: when at most 40 commit advances are in view, each with the acknowledgements that made its quorum. */
export function commitQuorums(G: Frame, prims: Prim[], cone: Float64Array | null = null): void {
  const { model, vp, ys, laneH } = G;
  const ix = timeIndex(model);
  const lo = lowerBound(ix.commitT, vp.t0);
  const hi = upperBound(ix.commitT, vp.t1);
  const inView = model.commits.slice(lo, hi).filter((c) => !Number.isNaN(ys[c.lane] as number));
  if (inView.length > 40) return;
  const seg = new Float64Array(4);
  for (const c of inView) {
    for (const k of c.acks) {
      const y0 = ys[model.msgFrom[k] as number] as number;
      if (Number.isNaN(y0)) continue;
      seg.set([G.x(model.msgT0[k] as number), y0, G.x(model.msgT1[k] as number), ys[c.lane] as number]);
      if (!clipSegment(seg, G.xMin, G.xMax)) continue;
      const [x1, y1, x2, y2] = seg as unknown as [number, number, number, number];
      // outside the causal cone (sent after the sender's time in it) an ack is greyed like any other message
      const out = cone !== null && (model.msgT0[k] as number) > (cone[model.msgFrom[k] as number] as number);
      prims.push({
        p: "line",
        x1,
        y1,
        x2,
        y2,
        stroke: out ? GREY : COMMIT,
        width: 2.5,
        opacity: 0.9,
        cls: out ? "quorum-ack out-of-cone" : "quorum-ack",
      });
    }
    prims.push({
      p: "mark",
      x: G.x(c.t),
      y: (ys[c.lane] as number) - laneH * 0.3,
      shape: "circle",
      size: 3.5,
      fill: COMMIT,
      cls: "commit-mark",
      title:
        `commit index ${c.index} (acknowledged by ` +
        `${c.acks.map((k) => model.lanes[model.msgFrom[k] as number]?.id).join(", ")})`,
      t: c.t,
      lane: c.lane,
    });
  }
}

/** State changes as ticks: at most one per lane and pixel column (the first change in it). */
export function stateTicks(G: Frame, batch: Batch): void {
  const { model, vp, ys, laneH } = G;
  const ix = timeIndex(model);
  const style = batch.style({ shape: "line", color: "#52606d", width: 1, alpha: 0.5, dash: null, cls: "state-tick" });
  for (let l = 0; l < model.lanes.length; l++) {
    const y = ys[l] as number;
    const ts = ix.stateT[l] as Float64Array;
    if (Number.isNaN(y) || ts.length === 0) continue;
    let i = lowerBound(ts, vp.t0);
    while (i < ts.length && (ts[i] as number) <= vp.t1) {
      const x = G.x(ts[i] as number);
      batch.add(style, x, y - 4, x, y + laneH * 0.3);
      i = lowerBound(ts, (Math.floor(x) + 1 - G.offset) / G.scale, i + 1);
    }
  }
}

const MARK_STYLE: Record<string, { shape: Shape; fill: string; size: number }> = {
  crash: { shape: "square", fill: "#7b1c1c", size: 4.5 },
  restart: { shape: "tri", fill: "#2e9e5b", size: 6 },
  note: { shape: "dot", fill: "#3b6fb6", size: 3 },
};
const markStyle = (kind: string) => MARK_STYLE[kind] ?? { shape: "diamond" as const, fill: "#8e44ad", size: 6 };
const globalColor = (kind: string) => (kind === "heal" ? "#2e9e5b" : "#d62728");

/** Notes, crashes, restarts and faults: interactive marks, or ticks when more than MAX_MARKS are in view (returned). */
export function markers(G: Frame, prims: Prim[], batch: Batch): number {
  const { model, vp, f, ys, laneH } = G;
  const ix = timeIndex(model);
  const text = f.text.trim().toLowerCase();
  const texts = text === "" ? null : markerTexts(model);
  const lo = lowerBound(ix.markerT, vp.t0);
  const hi = upperBound(ix.markerT, vp.t1);
  const shown = (i: number) => {
    const mk = model.markers[i] as Model["markers"][number];
    return (
      !f.hiddenKinds.has(mk.kind) &&
      (texts === null || (texts[i] as string).includes(text)) &&
      (mk.lane < 0 || !Number.isNaN(ys[mk.lane] as number))
    );
  };
  let count = 0;
  for (let i = lo; i < hi && count <= MAX_MARKS; i++) if (shown(i)) count++;
  if (count > MAX_MARKS) return markerTicks(G, batch, lo, hi, shown);
  for (let i = lo; i < hi; i++) {
    if (!shown(i)) continue;
    const mk = model.markers[i] as Model["markers"][number];
    const x = G.x(mk.t);
    if (mk.lane < 0) {
      const color = globalColor(mk.kind);
      prims.push({
        p: "line",
        x1: x,
        y1: 28,
        x2: x,
        y2: G.bottom,
        stroke: color,
        width: 1,
        dash: "4,3",
        opacity: 0.6,
        cls: `fault-line fault-${mk.kind}`,
      });
      prims.push({
        p: "mark",
        x,
        y: 32,
        shape: "diamond",
        size: 5,
        fill: color,
        cls: `fault-mark fault-${mk.kind}`,
        title: mk.text,
        event: mk.event,
        t: mk.t,
        lane: -1,
      });
      continue;
    }
    const y = ys[mk.lane] as number;
    const s = markStyle(mk.kind);
    prims.push({
      p: "mark",
      x,
      y: mk.kind === "note" ? y - laneH * 0.38 : y,
      shape: s.shape,
      size: s.size,
      fill: s.fill,
      cls: `marker marker-${mk.kind}`,
      title: mk.text,
      event: mk.event,
      t: mk.t,
      lane: mk.lane,
    });
  }
  return 0;
}

const TICK_KINDS = ["crash", "restart", "note", "partition", "heal", "link", "clock", "disk"];
let lastTickPx = new Int32Array(0);

/** Markers as short ticks, at most one per lane, kind and pixel column; returns how many markers they stand for. */
function markerTicks(G: Frame, batch: Batch, lo: number, hi: number, shown: (i: number) => boolean): number {
  const { model, ys, laneH } = G;
  const styles = TICK_KINDS.map((k) =>
    batch.style({
      shape: "line",
      color: k === "partition" || k === "heal" || k === "link" ? globalColor(k) : markStyle(k).fill,
      width: 1.5,
      alpha: 0.9,
      dash: null,
      cls: `marker-tick marker-${k}`,
    }),
  );
  const size = (model.lanes.length + 1) * (TICK_KINDS.length + 1);
  if (lastTickPx.length < size) lastTickPx = new Int32Array(size);
  lastTickPx.fill(-1, 0, size);
  let count = 0;
  for (let i = lo; i < hi; i++) {
    if (!shown(i)) continue;
    count++;
    const mk = model.markers[i] as Model["markers"][number];
    const x = G.x(mk.t);
    const kind = TICK_KINDS.indexOf(mk.kind);
    const key = (mk.lane + 1) * (TICK_KINDS.length + 1) + kind + 1;
    if (lastTickPx[key] === Math.floor(x)) continue;
    lastTickPx[key] = Math.floor(x);
    const y = mk.lane < 0 ? 34 : (ys[mk.lane] as number) - laneH * 0.25;
    batch.add((styles[kind] ?? styles[TICK_KINDS.length - 1]) as number, x, y - 6, x, y + 2);
  }
  return count;
}
