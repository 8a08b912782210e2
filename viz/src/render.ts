/**
 * Layout of the space-time diagram as drawing primitives, shared by the canvas renderer (the page), the SVG overlay
 * (interaction) and the SVG export (and its golden files). Only what is inside the time window is laid out, found by
 * binary search on sorted time columns; dense layers (messages, state ticks, aggregated ops, marker ticks) go into
 * reusable buffers drawn with one path per style, and switch to an aggregated drawing when more is in view than the
 * pixels can show (message density, outcome shares, ticks), which the legend line at the bottom says.
 */
import { Batch } from "./batch.ts";
import {
  afterEnd,
  backgrounds,
  clientOps,
  commitQuorums,
  coneBands,
  type Frame,
  laneLines,
  markers,
  OP_BIN_PX,
  stateTicks,
} from "./layers.ts";
import { typeColor as colorOfType } from "./colors.ts";
import { formatCount, timeFormat } from "./format.ts";
import { droppedAtSend, MessageLayer, type MessageStats } from "./messages.ts";
import { causalCone, causalConeOf, type Model } from "./model.ts";
import { txnBands, txnMarks } from "./overlays/txn.ts";
import { assertNever } from "../../sim/core/types.ts";
import { type Filters, type Prim, type Selection, type Shape, STROKED, type Viewport } from "./prim.ts";

export type { Evidence, Filters, Layer, Prim, Selection, Viewport } from "./prim.ts";

export const LABEL_WIDTH = 120;
/** Room right of the plot, so a mark at the very end of the run (a violation that stopped it) shows whole. */
export const RIGHT_PAD = 20;
export const AXIS_HEIGHT = 28;
/** The strip under the lanes that holds the legend (what is drawn exactly, what is aggregated): up to two lines. */
export const FOOTER_HEIGHT = 28;

export function typeColor(model: Model, type: number): string {
  return colorOfType(type, model.types.length);
}

export { formatTime } from "./format.ts";

/** A drop cross's tooltip: what was dropped, between whom, why, and whether at send time or on arrival. */
export function dropTitle(model: Model, k: number): string {
  const to = model.lanes[model.msgTo[k] as number]?.id;
  const when = droppedAtSend(model, k) ? "dropped as it was sent" : `dropped on arrival at ${to}`;
  return (
    `${model.types[model.msgType[k] as number]} ${model.lanes[model.msgFrom[k] as number]?.id} -> ${to} ` +
    `${when}: ${model.dropWhy[k]}`
  );
}

/** y centre of each visible lane (NaN for hidden ones). */
export function laneYs(model: Model, vp: Viewport, f: Filters): Float64Array {
  const ys = new Float64Array(model.lanes.length).fill(Number.NaN);
  const visible = model.lanes.length - countHidden(model, f);
  const h = (vp.height - AXIS_HEIGHT - FOOTER_HEIGHT) / Math.max(1, visible);
  let k = 0;
  for (let lane = 0; lane < model.lanes.length; lane++) {
    if (f.hiddenLanes.has(lane)) continue;
    ys[lane] = AXIS_HEIGHT + h * (k + 0.5);
    k++;
  }
  return ys;
}

function countHidden(model: Model, f: Filters): number {
  let n = 0;
  for (const l of f.hiddenLanes) if (l >= 0 && l < model.lanes.length) n++;
  return n;
}

/**
 * What a view keeps from frame to frame: the batches its dense layers fill (reused, so a frame allocates little) and
 * the causal cone of the selection (computed once per selection). A fresh Scene per call is fine (export, tests).
 */
export class Scene {
  model: Model | null = null;
  messages: MessageLayer | null = null;
  readonly ticks = new Batch();
  readonly ops = new Batch();
  private coneKey = "";
  private cone: Float64Array | null = null;

  /** The message layer for this model (a new one when the view shows another model). */
  layer(model: Model): MessageLayer {
    if (this.model !== model || this.messages === null) {
      this.model = model;
      this.messages = new MessageLayer(model);
      this.coneKey = "";
    }
    return this.messages;
  }

  coneOf(model: Model, sel: Selection | null): Float64Array | null {
    if (sel === null) return null;
    const ev = sel.evidence;
    const key = ev === undefined ? `${sel.lane}:${sel.t}` : ev.map((e) => `${e.lane}:${e.t}`).join(",");
    if (key !== this.coneKey || this.model !== model) {
      this.cone = ev === undefined ? causalCone(model, sel.lane, sel.t) : causalConeOf(model, ev);
      this.coneKey = key;
    }
    return this.cone;
  }
}

export interface LayoutStats extends MessageStats {
  /** Markers drawn as ticks because too many were in view to draw each as an interactive mark. */
  markerTicks: number;
  /** Client ops drawn as outcome shares per bin because too many were in view. */
  opsAggregated: number;
  legend: string;
}

export function layout(
  model: Model,
  vp: Viewport,
  f: Filters,
  sel: Selection | null = null,
  divergence: number | null = null,
  scene: Scene = new Scene(),
): { prims: Prim[]; arrows: number; stats: LayoutStats } {
  const prims: Prim[] = [];
  const span = Math.max(1, vp.t1 - vp.t0);
  const plotW = vp.width - LABEL_WIDTH - RIGHT_PAD;
  const scale = plotW / span;
  const offset = LABEL_WIDTH - vp.t0 * scale;
  const ys = laneYs(model, vp, f);
  const laneH = (vp.height - AXIS_HEIGHT - FOOTER_HEIGHT) / Math.max(1, model.lanes.length - countHidden(model, f));
  const G: Frame = {
    model,
    vp,
    f,
    ys,
    laneH,
    scale,
    offset,
    x: (t) => t * scale + offset,
    xMin: LABEL_WIDTH,
    xMax: vp.width - RIGHT_PAD,
    bottom: vp.height - FOOTER_HEIGHT,
    labels: [],
  };
  const layer = scene.layer(model);
  const cone = scene.coneOf(model, sel);
  scene.ticks.reset();
  scene.ops.reset();

  backgrounds(G, prims);
  if (cone !== null) coneBands(G, prims, cone);
  laneLines(G, prims);
  afterEnd(G, prims);
  const opsAggregated = f.hiddenKinds.has("op") ? 0 : clientOps(G, prims, scene.ops);
  prims.push({ p: "layer", layer: scene.ops, cls: "ops" });
  const txnLayout =
    model.txns !== undefined && !f.hiddenKinds.has("txn")
      ? { x: G.x, ys, laneH, t0: vp.t0, t1: vp.t1, xMin: G.xMin, xMax: G.xMax }
      : null;
  if (txnLayout !== null) prims.push(...txnBands(model.txns ?? [], txnLayout));
  const hiddenType = new Uint8Array(Math.max(1, model.types.length));
  model.types.forEach((t, i) => {
    if (f.hiddenTypes.has(t)) hiddenType[i] = 1;
  });
  const stats: MessageStats = f.hiddenKinds.has("send")
    ? { mode: "exact", inView: 0, arrows: 0, columnPx: 0, densityMax: 0 }
    : layer.layout({
        scale,
        offset,
        xMin: G.xMin,
        xMax: G.xMax,
        t0: vp.t0,
        t1: vp.t1,
        ys,
        laneH,
        hiddenType,
        showDrops: !f.hiddenKinds.has("drop"),
        cone,
      });
  if (!f.hiddenKinds.has("send"))
    prims.push({ p: "layer", layer: stats.mode === "exact" ? layer.batch : layer.density, cls: "messages" });
  if (cone !== null && stats.mode === "density") greyStripsOutside(G, prims, cone, layer.density.stripH);
  for (const d of layer.drops)
    prims.push({
      p: "mark",
      x: d.x,
      y: d.y,
      shape: "x",
      size: 4,
      fill: "#d62728",
      cls: "drop-mark",
      title: dropTitle(model, d.message),
    });
  if (!f.hiddenKinds.has("commit")) commitQuorums(G, prims, cone);
  prims.push(...G.labels);
  if (!f.hiddenKinds.has("state")) stateTicks(G, scene.ticks);
  const markerTicks = markers(G, prims, scene.ticks);
  prims.push({ p: "layer", layer: scene.ticks, cls: "ticks" });
  if (txnLayout !== null) prims.push(...txnMarks(model.txns ?? [], txnLayout));
  overMarks(G, prims, sel, divergence);
  axis(prims, vp, G.x, timeFormat(model));
  const parts = legendParts(stats, markerTicks, opsAggregated);
  const legend = parts.join(" · ");
  const lines = wrap(parts, Math.floor((vp.width - LABEL_WIDTH) / 5.8));
  lines.forEach((text, i) => {
    prims.push({
      p: "text",
      x: LABEL_WIDTH,
      y: vp.height - 5 - (lines.length - 1 - i) * 12,
      text,
      fill: stats.mode === "density" || markerTicks > 0 || opsAggregated > 0 ? "#8e44ad" : "#52606d",
      size: 10,
      cls: "lod-legend",
    });
  });
  return { prims, arrows: stats.arrows, stats: { ...stats, markerTicks, opsAggregated, legend } };
}

/** With a causal cone, each density strip is greyed past the lane's time in the cone (as arrows outside it are). */
function greyStripsOutside(G: Frame, prims: Prim[], cone: Float64Array, stripH: number): void {
  for (let l = 0; l < G.model.lanes.length; l++) {
    const y = G.ys[l] as number;
    if (Number.isNaN(y)) continue;
    const x0 = Math.max(G.xMin, Math.min(G.xMax, G.x(cone[l] as number)));
    if (x0 >= G.xMax) continue;
    prims.push({
      p: "rect",
      x: x0,
      y: y - 2 - stripH,
      w: G.xMax - x0,
      h: stripH,
      fill: "#ffffff",
      opacity: 0.75,
      cls: "density-out-of-cone",
    });
  }
}

/** The legend: how the messages (and anything else aggregated) are drawn at this zoom, in parts. */
export function legendParts(s: MessageStats, markerTicks: number, opsAggregated: number): string[] {
  const parts = [
    s.mode === "exact"
      ? `messages: each drawn (${formatCount(s.inView)} in view)`
      : `messages: ${formatCount(s.inView)} in view, too many to draw one by one: the strip over each lane ` +
        `counts what it sent per ${+s.columnPx.toFixed(1)} px, by type (red: dropped; darkest: ` +
        `${formatCount(s.densityMax)}). Zoom in to see each message`,
  ];
  if (markerTicks > 0) parts.push(`${formatCount(markerTicks)} markers drawn as ticks (zoom in to hover them)`);
  if (opsAggregated > 0)
    parts.push(`${formatCount(opsAggregated)} client ops drawn as outcome shares per ${OP_BIN_PX} px`);
  return parts;
}

/** Parts joined by " · " into lines of at most `width` characters (a part longer than that is cut at spaces). */
function wrap(parts: string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    for (const word of part.split(" ")) {
      const next = line === "" ? word : `${line} ${word}`;
      if (next.length > width && line !== "") {
        lines.push(line);
        line = word;
      } else line = next;
    }
    line += " ·";
  }
  lines.push(line.replace(/ ·$/, ""));
  return lines;
}

/** Violations, the first divergence and the selection: always on top, always interactive. */
function overMarks(G: Frame, prims: Prim[], sel: Selection | null, divergence: number | null): void {
  const { model, vp, ys } = G;
  for (const v of model.violations) {
    if (v.t < vp.t0 || v.t > vp.t1) continue;
    const y = v.lane >= 0 && !Number.isNaN(ys[v.lane] as number) ? (ys[v.lane] as number) : AXIS_HEIGHT + 10;
    prims.push({
      p: "line",
      x1: G.x(v.t),
      y1: AXIS_HEIGHT,
      x2: G.x(v.t),
      y2: G.bottom,
      stroke: "#c0392b",
      width: 2,
      opacity: 0.8,
      cls: "violation-line",
    });
    prims.push({
      p: "mark",
      x: G.x(v.t),
      y,
      shape: "star",
      size: 8,
      fill: "#c0392b",
      cls: "violation-marker",
      title: v.text,
      event: v.event,
      t: v.t,
      lane: v.lane,
    });
  }
  if (divergence !== null && divergence >= vp.t0 && divergence <= vp.t1) {
    prims.push({
      p: "line",
      x1: G.x(divergence),
      y1: AXIS_HEIGHT - 6,
      x2: G.x(divergence),
      y2: G.bottom,
      stroke: "#8e44ad",
      width: 2,
      dash: "6,3",
      cls: "divergence",
    });
    const right = G.x(divergence) > vp.width - 130;
    prims.push({
      p: "text",
      x: G.x(divergence) + (right ? -4 : 4),
      y: AXIS_HEIGHT + 12,
      text: "divergence",
      fill: "#8e44ad",
      size: 11,
      weight: "600",
      anchor: right ? "end" : "start",
      cls: "divergence-label",
    });
  }
  if (sel?.message !== undefined) pickedMessage(G, prims, sel.message);
  // evidence numbers on one lane close together stack upwards instead of printing over each other
  const numbered: { lane: number; x: number; row: number }[] = [];
  (sel?.evidence ?? []).forEach((e, i) => {
    const y = ys[e.lane] as number;
    if (Number.isNaN(y)) return;
    // a client op the evidence names (a counterexample's): its bar from invoke to completion, bracketed in red
    if (e.since !== undefined && e.since <= vp.t1 && e.t >= vp.t0) {
      const x0 = Math.max(G.xMin, G.x(e.since));
      const x1 = Math.max(x0 + 6, Math.min(vp.width - RIGHT_PAD, G.x(e.t)));
      for (const dy of [-1, 1])
        prims.push({
          p: "line",
          x1: x0,
          y1: y + dy * G.laneH * 0.3,
          x2: x1,
          y2: y + dy * G.laneH * 0.3,
          stroke: "#c0392b",
          width: 3,
          cls: "evidence-op",
        });
    }
    if (e.t < vp.t0 || e.t > vp.t1) return;
    prims.push({
      p: "mark",
      x: G.x(e.t),
      y,
      shape: "dot",
      size: 8,
      fill: "#c0392b",
      cls: "evidence",
      ring: true,
      title: `${i + 1}. ${e.label} at ${timeFormat(G.model)(e.t)}`,
      t: e.t,
      lane: e.lane,
    });
    const x = G.x(e.t) + 10;
    let row = 0;
    while (numbered.some((q) => q.lane === e.lane && q.row === row && Math.abs(q.x - x) < 16)) row++;
    numbered.push({ lane: e.lane, x, row });
    prims.push({
      p: "text",
      x,
      y: y - 10 - row * 13,
      text: String(i + 1),
      fill: "#c0392b",
      size: 12,
      weight: "700",
      cls: "evidence-label",
    });
  });
  if (sel !== null && !Number.isNaN(ys[sel.lane] as number) && sel.t >= vp.t0 && sel.t <= vp.t1)
    prims.push({
      p: "mark",
      x: G.x(sel.t),
      y: ys[sel.lane] as number,
      shape: "dot",
      size: 7,
      fill: "#111",
      cls: "selection",
      ring: true,
    });
}

/** The clicked message: a thick line from send to arrival with a head at the arrival. */
function pickedMessage(G: Frame, prims: Prim[], k: number): void {
  const m = G.model;
  const y0 = G.ys[m.msgFrom[k] as number] as number;
  const yTo = G.ys[m.msgTo[k] as number] as number;
  if (Number.isNaN(y0) || Number.isNaN(yTo)) return;
  const dropped = m.msgStatus[k] === 1;
  const y1 =
    dropped && droppedAtSend(m, k) ? y0 + Math.sign(yTo - y0) * Math.min(Math.abs(yTo - y0) / 2, G.laneH * 0.4) : yTo;
  const x0 = G.x(m.msgT0[k] as number);
  const x1 = G.x(m.msgT1[k] as number);
  const line = { p: "line" as const, stroke: "#111", width: 2.5, cls: "picked-message" };
  prims.push({ ...line, x1: x0, y1: y0, x2: x1, y2: y1 });
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (len < 1) return;
  const [ux, uy] = [(x1 - x0) / len, (y1 - y0) / len];
  for (const a of [0.44, -0.44])
    prims.push({
      ...line,
      x1,
      y1,
      x2: x1 - 10 * (ux * Math.cos(a) - uy * Math.sin(a)),
      y2: y1 - 10 * (uy * Math.cos(a) + ux * Math.sin(a)),
    });
}

function axis(prims: Prim[], vp: Viewport, x: (t: number) => number, fmt: (t: number) => string): void {
  const span = vp.t1 - vp.t0;
  const raw = span / 8;
  const pow = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? pow * 10;
  prims.push({ p: "rect", x: 0, y: 0, w: vp.width, h: AXIS_HEIGHT - 4, fill: "#ffffff", cls: "axis-bg" });
  for (let t = Math.ceil(vp.t0 / step) * step; t <= vp.t1; t += step) {
    prims.push({
      p: "line",
      x1: x(t),
      y1: AXIS_HEIGHT - 8,
      x2: x(t),
      y2: AXIS_HEIGHT - 2,
      stroke: "#52606d",
      width: 1,
      cls: "tick",
    });
    prims.push({
      p: "text",
      x: x(t),
      y: AXIS_HEIGHT - 12,
      text: fmt(t),
      fill: "#52606d",
      size: 10,
      anchor: "middle",
      cls: "tick-label",
    });
  }
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export function markPath(m: { x: number; y: number; size: number; shape: Shape }): string {
  const { x, y, size: s } = m;
  switch (m.shape) {
    case "square":
      return `M${r2(x - s)},${r2(y - s)}h${r2(2 * s)}v${r2(2 * s)}h${r2(-2 * s)}Z`;
    case "bar":
      return `M${r2(x - s * 0.4)},${r2(y - s * 1.2)}h${r2(0.8 * s)}v${r2(2.4 * s)}h${r2(-0.8 * s)}Z`;
    case "plus":
      return `M${r2(x - s)},${r2(y)}H${r2(x + s)}M${r2(x)},${r2(y - s)}V${r2(y + s)}`;
    case "minus":
      return `M${r2(x - s)},${r2(y)}H${r2(x + s)}`;
    case "star": {
      let d = "";
      for (let i = 0; i < 10; i++) {
        const r = i % 2 === 0 ? s * 1.2 : s * 0.5;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        d += `${i === 0 ? "M" : "L"}${r2(x + r * Math.cos(a))},${r2(y + r * Math.sin(a))}`;
      }
      return `${d}Z`;
    }
    case "x":
      return `M${r2(x - s)},${r2(y - s)}L${r2(x + s)},${r2(y + s)}M${r2(x - s)},${r2(y + s)}L${r2(x + s)},${r2(y - s)}`;
    case "tri":
      return `M${r2(x)},${r2(y - s)}L${r2(x + s)},${r2(y + s * 0.8)}L${r2(x - s)},${r2(y + s * 0.8)}Z`;
    case "diamond":
      return `M${r2(x)},${r2(y - s)}L${r2(x + s)},${r2(y)}L${r2(x)},${r2(y + s)}L${r2(x - s)},${r2(y)}Z`;
    case "dot":
    case "circle":
      return `M${r2(x - s)},${r2(y)}a${s},${s} 0 1,0 ${2 * s},0a${s},${s} 0 1,0 ${-2 * s},0`;
    default:
      return assertNever(m.shape, "mark shape");
  }
}

/** The primitives as a standalone SVG document (export, golden files). Text is escaped, never markup. */
export function toSvg(prims: readonly Prim[], width: number, height: number): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ` +
      `${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const p of prims) {
    const cls = "cls" in p && p.cls ? ` class="${esc(p.cls)}"` : "";
    switch (p.p) {
      case "rect":
        out.push(
          `<rect${cls} x="${r2(p.x)}" y="${r2(p.y)}" width="${r2(p.w)}" height="${r2(p.h)}" ` +
            `fill="${p.fill}"${p.opacity !== undefined ? ` fill-opacity="${p.opacity}"` : ""}>` +
            `${p.title ? `<title>${esc(p.title)}</title>` : ""}</rect>`,
        );
        break;
      case "line":
        out.push(
          `<line${cls} x1="${r2(p.x1)}" y1="${r2(p.y1)}" x2="${r2(p.x2)}" y2="${r2(p.y2)}" ` +
            `stroke="${p.stroke}" ` +
            `stroke-width="${p.width}"${p.opacity !== undefined ? ` stroke-opacity="${p.opacity}"` : ""}` +
            `${p.dash ? ` stroke-dasharray="${p.dash}"` : ""}/>`,
        );
        break;
      case "text":
        out.push(
          `<text${cls} x="${r2(p.x)}" y="${r2(p.y)}" fill="${p.fill}" ` +
            `font-size="${p.size}"${p.anchor ? ` text-anchor="${p.anchor}"` : ""}` +
            `${p.weight ? ` font-weight="${p.weight}"` : ""}>${esc(p.text)}</text>`,
        );
        break;
      case "mark": {
        const stroke =
          STROKED.has(p.shape) || p.ring ? ` stroke="${p.fill}" stroke-width="2" fill="none"` : ` fill="${p.fill}"`;
        out.push(`<path${cls} d="${markPath(p)}"${stroke}>${p.title ? `<title>${esc(p.title)}</title>` : ""}</path>`);
        break;
      }
      case "layer":
        p.layer.svg(out);
        break;
    }
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** Draw the primitives on a canvas, except the interactive marks (the SVG overlay draws those). */
export function drawCanvas(ctx: CanvasRenderingContext2D, prims: readonly Prim[], width: number, height: number): void {
  ctx.clearRect(0, 0, width, height);
  for (const p of prims) {
    switch (p.p) {
      case "rect":
        ctx.globalAlpha = p.opacity ?? 1;
        ctx.fillStyle = p.fill;
        ctx.fillRect(p.x, p.y, p.w, p.h);
        break;
      case "line":
        ctx.globalAlpha = p.opacity ?? 1;
        ctx.strokeStyle = p.stroke;
        ctx.lineWidth = p.width;
        if (p.dash) ctx.setLineDash(p.dash.split(",").map(Number));
        ctx.beginPath();
        ctx.moveTo(p.x1, p.y1);
        ctx.lineTo(p.x2, p.y2);
        ctx.stroke();
        if (p.dash) ctx.setLineDash([]);
        break;
      case "text":
        ctx.globalAlpha = 1;
        ctx.fillStyle = p.fill;
        ctx.font = `${p.weight ?? "400"} ${p.size}px Inter, Helvetica, Arial, sans-serif`;
        ctx.textAlign = p.anchor === "middle" ? "center" : p.anchor === "end" ? "right" : "left";
        ctx.fillText(p.text, p.x, p.y);
        break;
      case "layer":
        p.layer.draw(ctx);
        break;
      case "mark":
        break;
    }
  }
  ctx.globalAlpha = 1;
}
