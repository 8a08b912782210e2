/**
 * Layout of the space-time diagram as drawing primitives, shared by the canvas renderer (the page), the SVG overlay
 * (interaction) and the SVG export (and its golden files). Only what is inside the time window is laid out, and dense
 * layers are capped, so a 1M-event trace draws as fast as a small one.
 */
import { causalCone, type Model } from "./model.ts";
import { txnBands, txnMarks } from "./overlays/txn.ts";

export interface Viewport {
  t0: number;
  t1: number;
  width: number;
  height: number;
}

export interface Filters {
  hiddenLanes: Set<number>;
  hiddenTypes: Set<string>;
  hiddenKinds: Set<string>;
  text: string;
}

export interface Selection {
  lane: number;
  t: number;
}

export type Prim =
  | { p: "rect"; x: number; y: number; w: number; h: number; fill: string; opacity?: number; cls?: string; title?: string; event?: number }
  | { p: "line"; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number; opacity?: number; dash?: string; cls?: string }
  | { p: "text"; x: number; y: number; text: string; fill: string; size: number; anchor?: "start" | "middle" | "end"; weight?: string; cls?: string }
  | { p: "mark"; x: number; y: number; shape: "x" | "tri" | "dot" | "diamond"; size: number; fill: string; cls?: string; title?: string; event?: number; t?: number; lane?: number };

export const LABEL_WIDTH = 120;
export const AXIS_HEIGHT = 28;
export const MAX_ARROWS = 20_000;

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac", "#e15759", "#ff9da7"];
const TERM_TINTS = ["#eef3fb", "#fdf1e6", "#eef7ec", "#f6eef5", "#ecf6f6", "#fcf8e6"];
const DC_TINTS = ["#f7f9fc", "#fbf8f3", "#f5faf4", "#faf5fa"];

export function typeColor(model: Model, type: number): string {
  return PALETTE[type % PALETTE.length] as string;
}

export function formatTime(us: number): string {
  if (Math.abs(us) >= 1_000_000) return `${+(us / 1_000_000).toFixed(3)}s`;
  if (Math.abs(us) >= 1_000) return `${+(us / 1_000).toFixed(2)}ms`;
  return `${Math.round(us)}us`;
}

/** y centre of each visible lane (NaN for hidden ones). */
export function laneYs(model: Model, vp: Viewport, f: Filters): Float64Array {
  const visible = model.lanes.map((_, i) => i).filter((i) => !f.hiddenLanes.has(i));
  const ys = new Float64Array(model.lanes.length).fill(Number.NaN);
  const h = (vp.height - AXIS_HEIGHT - 8) / Math.max(1, visible.length);
  visible.forEach((lane, k) => {
    ys[lane] = AXIS_HEIGHT + h * (k + 0.5);
  });
  return ys;
}

export function layout(model: Model, vp: Viewport, f: Filters, sel: Selection | null = null, divergence: number | null = null): { prims: Prim[]; arrows: number } {
  const prims: Prim[] = [];
  const span = Math.max(1, vp.t1 - vp.t0);
  const plotW = vp.width - LABEL_WIDTH - 8;
  const x = (t: number) => LABEL_WIDTH + ((t - vp.t0) / span) * plotW;
  const ys = laneYs(model, vp, f);
  const visibleCount = model.lanes.length - f.hiddenLanes.size;
  const laneH = (vp.height - AXIS_HEIGHT - 8) / Math.max(1, visibleCount);
  const inView = (t0: number, t1: number) => t1 >= vp.t0 && t0 <= vp.t1;
  const clampX = (t: number) => Math.max(LABEL_WIDTH, Math.min(vp.width - 8, x(t)));
  const cone = sel === null ? null : causalCone(model, sel.lane, sel.t);

  // datacenter bands and raft term tints
  model.dcs.forEach((dc, d) => {
    const lanes = [];
    for (let l = dc.first; l <= dc.last; l++) if (!Number.isNaN(ys[l] as number)) lanes.push(l);
    if (lanes.length === 0) return;
    const top = (ys[lanes[0] as number] as number) - laneH / 2;
    const bottom = (ys[lanes[lanes.length - 1] as number] as number) + laneH / 2;
    prims.push({ p: "rect", x: 0, y: top, w: vp.width, h: bottom - top, fill: DC_TINTS[d % DC_TINTS.length] as string, cls: "dc-band" });
    prims.push({ p: "text", x: 6, y: top + 12, text: dc.name, fill: "#666", size: 10, weight: "600", cls: "dc-label" });
  });
  model.lanes.forEach((lane, l) => {
    const y = ys[l] as number;
    if (Number.isNaN(y) || lane.kind !== "node") return;
    const states = model.states[l] ?? [];
    for (let k = 0; k < states.length; k++) {
      const s = states[k] as { t: number; v: Record<string, unknown> };
      const end = k + 1 < states.length ? (states[k + 1] as { t: number }).t : model.tMax;
      if (!inView(s.t, end)) continue;
      const term = s.v.term;
      if (typeof term === "number") prims.push({ p: "rect", x: clampX(s.t), y: y - laneH * 0.35, w: Math.max(0, clampX(end) - clampX(s.t)), h: laneH * 0.7, fill: TERM_TINTS[term % TERM_TINTS.length] as string, cls: "term-band", title: `term ${term}` });
      if (s.v.role === "leader" || s.v.role === "primary") prims.push({ p: "rect", x: clampX(s.t), y: y - 2.5, w: Math.max(0, clampX(end) - clampX(s.t)), h: 5, fill: "#e0a800", cls: "leader-span", title: `${lane.id} ${String(s.v.role)}${typeof term === "number" ? ` of term ${term}` : ""}` });
    }
  });
  // partitions: shaded across the lanes they cut
  for (const p of model.partitions) {
    if (!inView(p.t0, p.t1)) continue;
    const cut = new Set<number>();
    for (const b of p.blocks) for (const l of [...b.from, ...b.to]) cut.add(l);
    for (const l of cut) {
      const y = ys[l] as number;
      if (Number.isNaN(y)) continue;
      prims.push({ p: "rect", x: clampX(p.t0), y: y - laneH / 2, w: Math.max(1, clampX(p.t1) - clampX(p.t0)), h: laneH, fill: "#d62728", opacity: 0.08, cls: "partition-span", title: `partition ${p.id} (${p.kind})` });
    }
  }
  // down spans
  for (const d of model.down) {
    const y = ys[d.lane] as number;
    if (Number.isNaN(y) || !inView(d.t0, d.t1)) continue;
    prims.push({ p: "rect", x: clampX(d.t0), y: y - laneH * 0.3, w: Math.max(1, clampX(d.t1) - clampX(d.t0)), h: laneH * 0.6, fill: "#555", opacity: 0.18, cls: "down-span", title: `${model.lanes[d.lane]?.id} down` });
  }
  // lane lines and labels
  model.lanes.forEach((lane, l) => {
    const y = ys[l] as number;
    if (Number.isNaN(y)) return;
    prims.push({ p: "line", x1: LABEL_WIDTH, y1: y, x2: vp.width - 8, y2: y, stroke: lane.kind === "node" ? "#9aa5b1" : "#c8cdd3", width: 1, cls: "lane-line" });
    prims.push({ p: "text", x: LABEL_WIDTH - 8, y: y + 4, text: lane.id, fill: lane.kind === "node" ? "#1f2933" : "#52606d", size: 11, anchor: "end", weight: lane.kind === "node" ? "600" : "400", cls: "lane" });
  });
  // client operations
  for (const op of model.ops) {
    const y = ys[op.lane] as number;
    if (Number.isNaN(y) || !inView(op.t0, op.t1)) continue;
    const color = op.outcome === "ok" ? "#2e9e5b" : op.outcome === "fail" ? "#d64545" : op.outcome === "info" ? "#e8a33d" : "#9aa5b1";
    const o = op.op as { f?: string; key?: string; value?: string };
    prims.push({ p: "rect", x: clampX(op.t0), y: y - laneH * 0.22, w: Math.max(2, clampX(op.t1) - clampX(op.t0)), h: laneH * 0.44, fill: color, opacity: 0.85, cls: `op op-${op.outcome}`, title: `${o.f ?? "op"} ${o.key ?? ""}${o.value !== undefined ? ` ${o.value}` : ""} -> ${op.outcome} ${JSON.stringify(op.value)}` });
  }
  // 2PC/3PC overlay: transaction bands under the arrows, votes and decisions over them
  const txnLayout = model.txns !== undefined && !f.hiddenKinds.has("txn") ? { x, ys, laneH, t0: vp.t0, t1: vp.t1 } : null;
  if (txnLayout !== null) prims.push(...txnBands(model.txns ?? [], txnLayout));
  // messages (the dense layer)
  let arrows = 0;
  const hiddenType = new Set<number>();
  model.types.forEach((t, i) => {
    if (f.hiddenTypes.has(t)) hiddenType.add(i);
  });
  const hideSends = f.hiddenKinds.has("send");
  for (let k = 0; k < model.msgCount && !hideSends; k++) {
    const t0 = model.msgT0[k] as number;
    const t1 = model.msgT1[k] as number;
    if (!inView(t0, t1) || hiddenType.has(model.msgType[k] as number)) continue;
    const y0 = ys[model.msgFrom[k] as number] as number;
    const y1 = ys[model.msgTo[k] as number] as number;
    if (Number.isNaN(y0) || Number.isNaN(y1)) continue;
    if (arrows >= MAX_ARROWS) break;
    arrows++;
    const dropped = model.msgStatus[k] === 1;
    if (dropped && f.hiddenKinds.has("drop")) continue;
    const inCone = cone !== null && t0 <= (cone[model.msgFrom[k] as number] as number);
    const color = cone !== null && !inCone ? "#d9dde2" : dropped ? "#d62728" : typeColor(model, model.msgType[k] as number);
    const yEnd = dropped ? y0 + (y1 - y0) * 0.45 : y1;
    prims.push({ p: "line", x1: x(t0), y1: y0, x2: x(t1), y2: yEnd, stroke: color, width: inCone ? 1.6 : 1, opacity: cone !== null && !inCone ? 0.5 : 0.75, dash: dropped ? "3,2" : undefined, cls: dropped ? "arrow drop" : "arrow" });
    if (dropped) prims.push({ p: "mark", x: x(t1), y: yEnd, shape: "x", size: 4, fill: "#d62728", cls: "drop-mark", title: `${model.types[model.msgType[k] as number]} dropped: ${model.dropWhy[k]}` });
  }
  // Raft overlay: the acknowledgements that let a leader advance its commit index (when few enough are in view)
  const commitsInView = model.commits.filter((c) => c.t >= vp.t0 && c.t <= vp.t1 && !Number.isNaN(ys[c.lane] as number));
  if (commitsInView.length <= 40 && !f.hiddenKinds.has("commit")) {
    for (const c of commitsInView) {
      for (const k of c.acks) {
        const y0 = ys[model.msgFrom[k] as number] as number;
        if (Number.isNaN(y0)) continue;
        prims.push({ p: "line", x1: x(model.msgT0[k] as number), y1: y0, x2: x(model.msgT1[k] as number), y2: ys[c.lane] as number, stroke: "#e0a800", width: 2.5, opacity: 0.9, cls: "quorum-ack" });
      }
      prims.push({ p: "mark", x: x(c.t), y: (ys[c.lane] as number) - laneH * 0.3, shape: "dot", size: 3, fill: "#e0a800", cls: "commit-mark", title: `commit index ${c.index} (acknowledged by ${c.acks.map((k) => model.lanes[model.msgFrom[k] as number]?.id).join(", ")})`, t: c.t, lane: c.lane });
    }
  }
  // state changes and notes as ticks, faults as marks
  model.lanes.forEach((lane, l) => {
    const y = ys[l] as number;
    if (Number.isNaN(y) || f.hiddenKinds.has("state")) return;
    for (const s of model.states[l] ?? []) {
      if (s.t < vp.t0 || s.t > vp.t1) continue;
      prims.push({ p: "line", x1: x(s.t), y1: y - laneH * 0.3, x2: x(s.t), y2: y + laneH * 0.3, stroke: "#52606d", width: 1, opacity: 0.5, cls: "state-tick" });
    }
  });
  const text = f.text.trim().toLowerCase();
  for (const mk of model.markers) {
    if (mk.t < vp.t0 || mk.t > vp.t1 || f.hiddenKinds.has(mk.kind)) continue;
    if (text !== "" && !mk.text.toLowerCase().includes(text)) continue;
    if (mk.lane < 0) {
      prims.push({ p: "line", x1: x(mk.t), y1: AXIS_HEIGHT, x2: x(mk.t), y2: vp.height - 8, stroke: mk.kind === "heal" ? "#2e9e5b" : "#d62728", width: 1, dash: "4,3", opacity: 0.6, cls: `fault-line fault-${mk.kind}` });
      prims.push({ p: "mark", x: x(mk.t), y: AXIS_HEIGHT + 4, shape: "diamond", size: 5, fill: mk.kind === "heal" ? "#2e9e5b" : "#d62728", cls: `fault-mark fault-${mk.kind}`, title: mk.text, event: mk.event, t: mk.t, lane: -1 });
      continue;
    }
    const y = ys[mk.lane] as number;
    if (Number.isNaN(y)) continue;
    const shape = mk.kind === "crash" ? "x" : mk.kind === "restart" ? "tri" : mk.kind === "note" ? "dot" : "diamond";
    const fill = mk.kind === "crash" ? "#b71c1c" : mk.kind === "restart" ? "#2e9e5b" : mk.kind === "note" ? "#3b6fb6" : "#8e44ad";
    prims.push({ p: "mark", x: x(mk.t), y: mk.kind === "note" ? y - laneH * 0.38 : y, shape, size: mk.kind === "note" ? 3 : 6, fill, cls: `marker marker-${mk.kind}`, title: mk.text, event: mk.event, t: mk.t, lane: mk.lane });
  }
  if (txnLayout !== null) prims.push(...txnMarks(model.txns ?? [], txnLayout));
  for (const v of model.violations) {
    if (v.t < vp.t0 || v.t > vp.t1) continue;
    const y = v.lane >= 0 && !Number.isNaN(ys[v.lane] as number) ? (ys[v.lane] as number) : AXIS_HEIGHT + 10;
    prims.push({ p: "line", x1: x(v.t), y1: AXIS_HEIGHT, x2: x(v.t), y2: vp.height - 8, stroke: "#c0392b", width: 2, opacity: 0.8, cls: "violation-line" });
    prims.push({ p: "mark", x: x(v.t), y, shape: "tri", size: 9, fill: "#c0392b", cls: "violation-marker", title: v.text, event: v.event, t: v.t, lane: v.lane });
  }
  if (divergence !== null && divergence >= vp.t0 && divergence <= vp.t1) {
    prims.push({ p: "line", x1: x(divergence), y1: AXIS_HEIGHT - 6, x2: x(divergence), y2: vp.height - 8, stroke: "#8e44ad", width: 2, dash: "6,3", cls: "divergence" });
    prims.push({ p: "text", x: x(divergence) + 4, y: AXIS_HEIGHT + 12, text: "first divergence", fill: "#8e44ad", size: 11, weight: "600", cls: "divergence-label" });
  }
  if (sel !== null) prims.push({ p: "mark", x: x(sel.t), y: ys[sel.lane] as number, shape: "dot", size: 6, fill: "#111", cls: "selection" });
  axis(prims, vp, x);
  return { prims, arrows };
}

function axis(prims: Prim[], vp: Viewport, x: (t: number) => number): void {
  const span = vp.t1 - vp.t0;
  const raw = span / 8;
  const pow = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? pow * 10;
  prims.push({ p: "rect", x: 0, y: 0, w: vp.width, h: AXIS_HEIGHT - 4, fill: "#ffffff", cls: "axis-bg" });
  for (let t = Math.ceil(vp.t0 / step) * step; t <= vp.t1; t += step) {
    prims.push({ p: "line", x1: x(t), y1: AXIS_HEIGHT - 8, x2: x(t), y2: AXIS_HEIGHT - 2, stroke: "#52606d", width: 1, cls: "tick" });
    prims.push({ p: "text", x: x(t), y: AXIS_HEIGHT - 12, text: formatTime(t), fill: "#52606d", size: 10, anchor: "middle", cls: "tick-label" });
  }
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function markPath(m: Extract<Prim, { p: "mark" }>): string {
  const { x, y, size: s } = m;
  switch (m.shape) {
    case "x":
      return `M${r2(x - s)},${r2(y - s)}L${r2(x + s)},${r2(y + s)}M${r2(x - s)},${r2(y + s)}L${r2(x + s)},${r2(y - s)}`;
    case "tri":
      return `M${r2(x)},${r2(y - s)}L${r2(x + s)},${r2(y + s * 0.8)}L${r2(x - s)},${r2(y + s * 0.8)}Z`;
    case "diamond":
      return `M${r2(x)},${r2(y - s)}L${r2(x + s)},${r2(y)}L${r2(x)},${r2(y + s)}L${r2(x - s)},${r2(y)}Z`;
    default:
      return `M${r2(x - s)},${r2(y)}a${s},${s} 0 1,0 ${2 * s},0a${s},${s} 0 1,0 ${-2 * s},0`;
  }
}

/** The primitives as a standalone SVG document (export, golden files). Text is escaped, never markup. */
export function toSvg(prims: readonly Prim[], width: number, height: number): string {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif">`, `<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  for (const p of prims) {
    const cls = "cls" in p && p.cls ? ` class="${esc(p.cls)}"` : "";
    switch (p.p) {
      case "rect":
        out.push(`<rect${cls} x="${r2(p.x)}" y="${r2(p.y)}" width="${r2(p.w)}" height="${r2(p.h)}" fill="${p.fill}"${p.opacity !== undefined ? ` fill-opacity="${p.opacity}"` : ""}>${p.title ? `<title>${esc(p.title)}</title>` : ""}</rect>`);
        break;
      case "line":
        out.push(`<line${cls} x1="${r2(p.x1)}" y1="${r2(p.y1)}" x2="${r2(p.x2)}" y2="${r2(p.y2)}" stroke="${p.stroke}" stroke-width="${p.width}"${p.opacity !== undefined ? ` stroke-opacity="${p.opacity}"` : ""}${p.dash ? ` stroke-dasharray="${p.dash}"` : ""}/>`);
        break;
      case "text":
        out.push(`<text${cls} x="${r2(p.x)}" y="${r2(p.y)}" fill="${p.fill}" font-size="${p.size}"${p.anchor ? ` text-anchor="${p.anchor}"` : ""}${p.weight ? ` font-weight="${p.weight}"` : ""}>${esc(p.text)}</text>`);
        break;
      case "mark": {
        const stroke = p.shape === "x" ? ` stroke="${p.fill}" stroke-width="2" fill="none"` : ` fill="${p.fill}"`;
        out.push(`<path${cls} d="${markPath(p)}"${stroke}>${p.title ? `<title>${esc(p.title)}</title>` : ""}</path>`);
        break;
      }
    }
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** Draw the dense primitives on a canvas (everything but the interactive marks, which the SVG overlay draws). */
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
        ctx.setLineDash(p.dash ? p.dash.split(",").map(Number) : []);
        ctx.beginPath();
        ctx.moveTo(p.x1, p.y1);
        ctx.lineTo(p.x2, p.y2);
        ctx.stroke();
        break;
      case "text":
        ctx.globalAlpha = 1;
        ctx.fillStyle = p.fill;
        ctx.font = `${p.weight ?? "400"} ${p.size}px Inter, Helvetica, Arial, sans-serif`;
        ctx.textAlign = p.anchor === "middle" ? "center" : p.anchor === "end" ? "right" : "left";
        ctx.fillText(p.text, p.x, p.y);
        break;
      case "mark":
        break;
    }
  }
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
}
