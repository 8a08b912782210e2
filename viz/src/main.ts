/**
 * The Faultline viewer: loads a trace (query string, file input or drop), draws the space-time diagram (canvas for
 * dense layers, SVG for interaction), and offers inspection, time controls, filters, causal cones, what-if
 * re-simulation with divergence, metrics and exports. Every string from a trace goes through textContent.
 */
import * as d3 from "d3";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { buildLegend, swatch } from "./legend.ts";
import { typeColor } from "./colors.ts";
import { renderMetrics } from "./metrics.ts";
import { Minimap } from "./minimap.ts";
import {
  type Divergence,
  divergences,
  firstDivergence,
  KINDS,
  type Model,
  type OpBar,
  stepEvent,
  viewAt,
} from "./model.ts";
import { Overlay } from "./svgOverlay.ts";
import { txnAt, txnRows } from "./overlays/txn.ts";
import { opTitle } from "./layers.ts";
import {
  drawCanvas,
  type Filters,
  formatTime,
  LABEL_WIDTH,
  laneYs,
  layout,
  type LayoutStats,
  RIGHT_PAD,
  Scene,
  dropTitle,
  type Evidence,
  type Selection,
  toSvg,
  type Viewport,
} from "./render.ts";
import { showValue, timeFormat } from "./format.ts";
import { LayoutMap, logicalModel } from "./logicalTime.ts";
import { shadingAt } from "./shadingAt.ts";
import { timeIndex } from "./timeIndex.ts";
import { decodeShare, encodeShare } from "./share.ts";
import { renderStatePanel } from "./statePanel.ts";
import { type Explanation, explain } from "./explain.ts";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
let nextId = 1;
const pending = new Map<number, (v: Record<string, unknown>) => void>();
worker.onmessage = (ev) => {
  const r = ev.data as { id: number };
  pending.get(r.id)?.(ev.data);
  pending.delete(r.id);
};
function call(msg: Record<string, unknown>, transfer: Transferable[] = []): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(String(r.error)))));
    worker.postMessage({ ...msg, id }, transfer);
  });
}

/** How the time axis places events: simulated time, or Lamport order (logicalTime.ts), as ShiViz draws. */
type TimeLayout = "physical" | "lamport";

interface ViewState {
  /** The model shown: the loaded trace's (`base`) or its Lamport layout. */
  model: Model | null;
  compare: Model | null;
  /** The loaded trace and the what-if run, in simulated time. */
  base: Model | null;
  compareBase: Model | null;
  layout: TimeLayout;
  /** The violation whose explanation is selected (its index), so switching layouts keeps it. */
  violationAt: number | null;
  /** The divergence marked, in the layout shown and in simulated time. */
  divergence: { tA: number; tB: number } | null;
  divergencePhysical: { tA: number; tB: number } | null;
  /** Every divergence of the what-if run (per lane, in time order) and which one is shown. */
  divergences: Divergence[];
  divergenceAt: number;
  t0: number;
  t1: number;
  filters: Filters;
  selection: Selection | null;
  cursor: number;
  playing: boolean;
}

const state: ViewState = {
  model: null,
  compare: null,
  base: null,
  compareBase: null,
  layout: new URLSearchParams(location.search).get("layout") === "lamport" ? "lamport" : "physical",
  violationAt: null,
  divergence: null,
  divergencePhysical: null,
  divergences: [],
  divergenceAt: -1,
  t0: 0,
  t1: 1,
  filters: { hiddenLanes: new Set(), hiddenTypes: new Set(), hiddenKinds: new Set(), text: "" },
  selection: null,
  cursor: 0,
  playing: false,
};

/** One frame, as logged when window.faultline.measure is set (bench/viewerLoad.ts). */
export interface RenderLog {
  ms: number;
  /** The diagram was drawn (false: only the cursor moved). */
  full: boolean;
  span: number;
  mode: "exact" | "density";
  inView: number;
  arrows: number;
  overlay: number;
  at: number;
  /** Where the time went (measure mode): layout, canvas drawing and raster, overlay update and page layout. */
  layoutMs: number;
  canvasMs: number;
  overlayMs: number;
}

declare global {
  interface Window {
    faultline: {
      state: ViewState;
      ready: boolean;
      lastRender: { arrows: number; prims: number; ms: number };
      loadMs: number;
      timings?: { decodeMs: number; parseMs: number; transferMs: number };
      /** Set to log every frame's cost into `renders`, with the canvas rastered and the page laid out inside it. */
      measure: boolean;
      renders: RenderLog[];
      /** Show [t0, t1] (tests and benchmarks drive the view with it). */
      zoomTo(t0: number, t1: number): void;
      /** Move the cursor to t (tests and screenshots). */
      setCursor(t: number): void;
      /** Switch the time layout (tests and benchmarks; the toolbar's select does the same). */
      setLayout(layout: TimeLayout): void;
    };
  }
}
window.faultline = {
  state,
  ready: false,
  lastRender: { arrows: 0, prims: 0, ms: 0 },
  loadMs: 0,
  measure: new URLSearchParams(location.search).has("measure"),
  renders: [],
  zoomTo: (t0, t1) => zoomTo(t0, t1),
  setCursor: (t) => setCursor(t),
  setLayout: (l) => setLayout(l),
};

function setStatus(text: string): void {
  $("status").textContent = text;
}

// ---- loading ------------------------------------------------------------------------------------------------------

async function loadBytes(bytes: ArrayBuffer, source: string): Promise<void> {
  return loadVia({ op: "load", bytes, source }, [bytes], source);
}

/**
 * Load a trace from a URL: the worker fetches it and reads the bytes into the model as they arrive. (Fetching in the
 * page and transferring the body stream to the worker was measured slower: a transferred stream copies every chunk
 * through this thread, ~0.7 s for a 1M-event trace.)
 */
async function loadUrl(url: string): Promise<void> {
  return loadVia({ op: "loadUrl", url }, [], url);
}

async function loadVia(msg: Record<string, unknown>, transfer: Transferable[], source: string): Promise<void> {
  const t0 = performance.now();
  setStatus(`loading ${source}...`);
  try {
    const r = await call(msg, transfer);
    const timings = r.timings as { decodeMs: number; parseMs: number; sentAt: number };
    window.faultline.timings = {
      decodeMs: timings.decodeMs,
      parseMs: timings.parseMs,
      transferMs: Date.now() - timings.sentAt,
    };
    showModel(r.model as Model);
    window.faultline.loadMs = performance.now() - t0;
    setStatus(`${(r.model as Model).evT.length} events, loaded in ${Math.round(window.faultline.loadMs)} ms`);
  } catch (e) {
    setStatus(`could not open ${source}: ${(e as Error).message}`);
    $("trace-title").textContent = `error: ${(e as Error).message}`;
  }
}

function showModel(model: Model): void {
  state.base = model;
  state.model = shown(model);
  state.compare = null;
  state.compareBase = null;
  state.violationAt = null;
  state.divergencePhysical = null;
  state.divergence = null;
  state.divergences = [];
  state.divergenceAt = -1;
  $("next-divergence").hidden = true;
  $("divergence-count").textContent = "";
  state.selection = null;
  state.t0 = 0;
  state.t1 = Math.max(1, state.model?.tMax ?? model.tMax);
  state.cursor = 0;
  state.filters = { hiddenLanes: new Set(), hiddenTypes: new Set(), hiddenKinds: new Set(), text: "" };
  const h = model.header;
  const stopped = model.stop !== null && model.stop !== "duration" ? ` (stopped: ${model.stop})` : "";
  $("trace-title").textContent =
    `${h.scenario.name} · ${h.scenario.protocol.name} · seed ` +
    `${String(h.seed)}${h.bugs.length ? ` · bugs: ${h.bugs.join(", ")}` : ""} · ` +
    `${formatTime(model.tMax)}${stopped}`;
  $("compare-view").hidden = true;
  $("compare-title").hidden = true;
  buildFilters(model);
  buildViolations();
  renderMetrics($("metrics"), model, (t) => setCursor(toShown(t)));
  ($("whatif-scenario") as HTMLTextAreaElement).value = JSON.stringify(h.scenario, null, 2);
  ($("whatif-seed") as HTMLInputElement).value = String(h.seed);
  ($("whatif-bugs") as HTMLInputElement).value = h.bugs.join(", ");
  buildLegend($("legend"), model);
  stepScope();
  filtersVersion++;
  resetZoom();
}

// ---- time layout: simulated time or Lamport order ------------------------------------------------------------------

/** Per loaded model, its Lamport layout and the maps between the two (built the first time it is asked for). */
const layouts = new WeakMap<Model, LayoutMap>();
function layoutMap(m: Model): LayoutMap {
  let map = layouts.get(m);
  if (map === undefined) {
    map = new LayoutMap(m, logicalModel(m));
    layouts.set(m, map);
  }
  return map;
}

/** The model to show for a loaded one, in the current layout. */
function shown(m: Model): Model {
  return state.layout === "lamport" ? layoutMap(m).logical : m;
}

/** A simulated time of the loaded trace in the layout shown (the metrics charts are in simulated time). */
function toShown(t: number): number {
  const base = state.base;
  return base === null || state.model === base ? t : layoutMap(base).toLogical(t);
}

/** A simulated time on one lane in the layout shown. */
function laneToShown(lane: number, t: number): number {
  const base = state.base;
  return base === null || state.model === base ? t : layoutMap(base).laneToLogical(lane, t);
}

/** The marked divergence in the layout shown (each run by its own clocks). */
function shownDivergence(): { tA: number; tB: number } | null {
  const d = state.divergencePhysical;
  const a = state.base;
  const b = state.compareBase;
  if (d === null || a === null || b === null || state.layout === "physical") return d;
  return { tA: layoutMap(a).toLogical(d.tA), tB: layoutMap(b).toLogical(d.tB) };
}

/**
 * Switch between simulated time and Lamport order. The window, the cursor and the selection keep their place (by the
 * maps in LayoutMap); a selected message or violation stays selected. The address keeps the choice (?layout=lamport),
 * so a reload or a copied link (the what-if share link too) opens in the same layout.
 */
function setLayout(layout: TimeLayout): void {
  ($("layout") as HTMLSelectElement).value = layout;
  const url = new URL(location.href);
  if (layout === "lamport") url.searchParams.set("layout", "lamport");
  else url.searchParams.delete("layout");
  history.replaceState(history.state, "", url);
  const base = state.base;
  if (layout === state.layout) return;
  state.layout = layout;
  if (base === null || state.model === null) return;
  const map = layoutMap(base);
  const toNew = (t: number) => (layout === "lamport" ? map.toLogical(t) : map.toPhysical(t));
  const laneToNew = (l: number, t: number) =>
    layout === "lamport" ? map.laneToLogical(l, t) : map.laneToPhysical(l, t);
  const [t0, t1, cursor] = [toNew(state.t0), toNew(state.t1), toNew(state.cursor)];
  const sel = state.selection;
  const m = shown(base);
  state.model = m;
  state.compare = state.compareBase === null ? null : shown(state.compareBase);
  state.divergence = shownDivergence();
  buildViolations();
  filtersVersion++;
  const j = state.violationAt;
  const evidence = j === null ? undefined : explained(j)?.evidence;
  if (sel === null) state.selection = null;
  else if (sel.message !== undefined)
    state.selection = { lane: sel.lane, t: m.msgT0[sel.message] as number, message: sel.message };
  else if (j !== null && evidence !== undefined && evidence.length > 0) {
    const v = m.violations[j];
    const t = v !== undefined && v.lane >= 0 ? v.t : (evidence[evidence.length - 1]?.t ?? 0);
    state.selection = { lane: sel.lane, t, evidence };
  } else state.selection = { lane: sel.lane, t: laneToNew(sel.lane, sel.t) };
  zoomTo(Math.max(0, t0), Math.min(tEnd(), Math.max(t1, t0 + 1)));
  state.cursor = Math.max(0, Math.min(tEnd(), cursor));
  if (state.selection !== null) inspect(state.selection.lane, state.selection.t);
  requestRender();
}
$("layout").addEventListener("change", (ev) => setLayout((ev.target as HTMLSelectElement).value as TimeLayout));

$("file-input").addEventListener("change", async (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (file) await loadBytes(await file.arrayBuffer(), file.name);
});
// The drop hint shows while a file is dragged over the page. dragleave fires every time the pointer crosses from one
// element into another (the new element's dragenter comes first), so hiding on every dragleave made the hint flicker
// as a file moved over the page: count enters and leaves instead, and hide when the drag has left the window.
let dragDepth = 0;
const carriesFiles = (ev: DragEvent) => ev.dataTransfer?.types.includes("Files") ?? false;
window.addEventListener("dragenter", (ev) => {
  if (!carriesFiles(ev)) return;
  ev.preventDefault();
  dragDepth++;
  $("drop-hint").hidden = false;
});
window.addEventListener("dragover", (ev) => {
  if (carriesFiles(ev)) ev.preventDefault();
});
window.addEventListener("dragleave", (ev) => {
  if (!carriesFiles(ev)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) $("drop-hint").hidden = true;
});
window.addEventListener("drop", async (ev) => {
  ev.preventDefault();
  dragDepth = 0;
  $("drop-hint").hidden = true;
  const file = ev.dataTransfer?.files?.[0];
  if (file) await loadBytes(await file.arrayBuffer(), file.name);
});

// ---- rendering ----------------------------------------------------------------------------------------------------
//
// Every change asks for a frame (requestRender); the frame draws once, however many changes came in since the last.
// A view's canvas and overlay are redrawn only when what they show changed (window, size, filters, selection,
// models); moving the cursor alone moves one line.

type Which = "main" | "compare";
interface View {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  svg: SVGSVGElement;
  zoom: d3.ZoomBehavior<SVGSVGElement, unknown> | null;
  scene: Scene;
  overlay: Overlay;
  key: string;
  stats: LayoutStats | null;
}

const tooltip = document.createElement("div");
tooltip.className = "tooltip";
tooltip.hidden = true;
document.body.append(tooltip);

function makeView(which: Which): View {
  const el = $(which === "main" ? "main-view" : "compare-view");
  const svg = el.querySelector("svg") as SVGSVGElement;
  const overlay = new Overlay(svg, {
    hover: (ev, mark) => hover(ev, which, mark?.title ?? null),
    pick: (ev, mark) => {
      if (pressMoved) return;
      if (mark === null) return onDiagramClick(ev, which);
      // a violation of no node (linearizability) has no lane to select: its marker shows its explanation
      const j = mark.cls === "violation-marker" && mark.lane === -1 ? violationOf(mark.event) : -1;
      if (j >= 0 && which === "main") return showViolation(j);
      if (mark.t !== undefined) {
        setCursor(mark.t);
        if (mark.lane !== undefined && mark.lane >= 0 && which === "main") select(mark.lane, mark.t);
      }
    },
  });
  return {
    el,
    canvas: el.querySelector("canvas") as HTMLCanvasElement,
    svg,
    zoom: null,
    scene: new Scene(),
    overlay,
    key: "",
    stats: null,
  };
}
const views: Record<Which, View> = { main: makeView("main"), compare: makeView("compare") };
const minimap = new Minimap($("minimap") as HTMLCanvasElement);
let filtersVersion = 0;
/** The main view's last full draw, by phase (measure mode). */
const phase = { layoutMs: 0, canvasMs: 0, overlayMs: 0 };
let frameRequested = false;
/** What the state panel shows (cursor, model, width): it is rebuilt only when that changes. */
let lastPanelKey = "";

function viewport(el: HTMLElement): Viewport {
  return { t0: state.t0, t1: state.t1, width: Math.max(200, el.clientWidth), height: Math.max(120, el.clientHeight) };
}

function requestRender(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(render);
}

function render(): void {
  frameRequested = false;
  const started = performance.now();
  const m = state.model;
  if (m === null) return;
  const full = drawView(views.main, m, state.divergence?.tA ?? null);
  if (state.compare !== null) drawView(views.compare, state.compare, state.divergence?.tB ?? null);
  minimap.draw(m, tEnd(), state.t0, state.t1, state.cursor);
  const panelKey = `${state.cursor}|${m.evT.length}|${m.header.seed}|${m.clock}|${$("state-panel").clientWidth}`;
  if (panelKey !== lastPanelKey) {
    lastPanelKey = panelKey;
    renderStatePanel($("state-panel"), m, state.cursor, timeFormat(m));
  }
  $("cursor").textContent = `${m.clock === "lamport" ? "cursor" : "t"} = ${timeFormat(m)(state.cursor)}`;
  const s = views.main.stats;
  if (window.faultline.measure) {
    // Make the frame's cost visible here: raster the canvases now and lay out the page, instead of at paint time.
    views.main.canvas.getContext("2d")?.getImageData(0, 0, 1, 1);
    if (state.compare !== null) views.compare.canvas.getContext("2d")?.getImageData(0, 0, 1, 1);
    document.body.getBoundingClientRect();
  }
  const ms = performance.now() - started;
  window.faultline.lastRender = { arrows: s?.arrows ?? 0, prims: s?.arrows ?? 0, ms };
  if (window.faultline.measure) {
    const log = window.faultline.renders;
    if (log.length < 20_000)
      log.push({
        ms,
        full,
        span: state.t1 - state.t0,
        mode: s?.mode ?? "exact",
        inView: s?.inView ?? 0,
        arrows: s?.arrows ?? 0,
        overlay: views.main.overlay.size,
        at: started,
        ...phase,
      });
  }
  if (!window.faultline.ready) {
    window.faultline.ready = true;
    document.body.dataset.loaded = "true";
  }
}

/** Draw a view if what it shows changed (true), else only move its cursor (false). */
function drawView(v: View, model: Model, divergence: number | null): boolean {
  const vp = viewport(v.el);
  const sel = model === state.model ? state.selection : null;
  const x = (t: number) =>
    LABEL_WIDTH + ((t - vp.t0) / Math.max(1, vp.t1 - vp.t0)) * (vp.width - LABEL_WIDTH - RIGHT_PAD);
  v.overlay.moveCursor(x(state.cursor), vp.height, state.cursor >= vp.t0 && state.cursor <= vp.t1);
  const key =
    `${vp.t0}|${vp.t1}|${vp.width}|${vp.height}|${filtersVersion}|${sel?.lane}|${sel?.t}|` +
    `${sel?.evidence?.length}|${sel?.message}|${divergence}|` +
    `${v.scene.model === model}`;
  if (key === v.key) return false;
  v.key = key;
  const t0 = performance.now();
  const { prims, stats } = layout(model, vp, state.filters, sel, divergence, v.scene);
  const t1 = performance.now();
  const dpr = window.devicePixelRatio || 1;
  if (v.canvas.width !== Math.round(vp.width * dpr) || v.canvas.height !== Math.round(vp.height * dpr)) {
    v.canvas.width = Math.round(vp.width * dpr);
    v.canvas.height = Math.round(vp.height * dpr);
  }
  const ctx = v.canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawCanvas(ctx, prims, vp.width, vp.height);
  if (window.faultline.measure) ctx.getImageData(0, 0, 1, 1);
  const t2 = performance.now();
  v.canvas.dataset.arrows = String(stats.arrows);
  v.canvas.dataset.mode = stats.mode;
  v.canvas.dataset.inView = String(stats.inView);
  v.canvas.dataset.legend = stats.legend;
  v.overlay.update(prims);
  if (window.faultline.measure) document.body.getBoundingClientRect();
  v.stats = stats;
  if (v === views.main)
    Object.assign(phase, { layoutMs: t1 - t0, canvasMs: t2 - t1, overlayMs: performance.now() - t2 });
  return true;
}

/** Tooltip: a mark's title, else the client op under the pointer. */
function hover(ev: MouseEvent, which: Which, title: string | null): void {
  const m = which === "main" ? state.model : state.compare;
  let text = title;
  if (text === null && m !== null && ev.type === "mousemove") {
    const at = pointAt(ev, which, m);
    const op = at === null ? null : opAt(m, at.lane, at.t, at.dy);
    if (op !== null) text = opTitle(op);
    else if (at !== null) {
      const parts = [partitionsAt(m, at.lane, at.t), shadingAt(m, at.lane, at.t)].filter((x) => x !== null);
      text = parts.length === 0 ? null : parts.join("\n");
    }
  }
  tooltip.textContent = text ?? "";
  tooltip.hidden = text === null || text === "";
  tooltip.style.left = `${ev.clientX + 12}px`;
  tooltip.style.top = `${ev.clientY + 12}px`;
}

/** The lane nearest the pointer, the time under it, and the distance from the lane's centre line. */
function pointAt(ev: MouseEvent, which: Which, m: Model): { lane: number; t: number; dy: number } | null {
  const v = views[which];
  const rect = v.el.getBoundingClientRect();
  const px = ev.clientX - rect.left;
  const py = ev.clientY - rect.top;
  const vp = viewport(v.el);
  if (px < LABEL_WIDTH) return null;
  const t = state.t0 + ((px - LABEL_WIDTH) / (vp.width - LABEL_WIDTH - RIGHT_PAD)) * (state.t1 - state.t0);
  const ys = laneYs(m, vp, state.filters);
  let best = -1;
  let bestD = Number.POSITIVE_INFINITY;
  ys.forEach((y, l) => {
    if (!Number.isNaN(y) && Math.abs(y - py) < bestD) {
      bestD = Math.abs(y - py);
      best = l;
    }
  });
  return best < 0 ? null : { lane: best, t: Math.max(0, t), dy: bestD };
}

/** What the partitions in force at t do to a lane (null if none cuts it). */
function partitionsAt(m: Model, lane: number, t: number): string | null {
  const lines: string[] = [];
  const name = (l: number) => m.lanes[l]?.id ?? "?";
  for (const p of m.partitions) {
    if (t < p.t0 || t > p.t1) continue;
    const to = new Set<number>();
    const from = new Set<number>();
    for (const b of p.blocks) {
      if (b.from.includes(lane)) for (const l of b.to) to.add(l);
      if (b.to.includes(lane)) for (const l of b.from) from.add(l);
    }
    if (to.size === 0 && from.size === 0) continue;
    const cut = [
      to.size > 0 ? `${name(lane)} cannot send to ${[...to].map(name).join(", ")}` : "",
      from.size > 0 ? `cannot hear from ${[...from].map(name).join(", ")}` : "",
    ].filter((x) => x !== "");
    const fmt = timeFormat(m);
    lines.push(`partition ${p.id} (${p.kind}, ${fmt(p.t0)} to ${fmt(p.t1)}): ${cut.join("; ")}`);
  }
  return lines.length === 0 ? null : lines.join("\n");
}

function opAt(m: Model, lane: number, t: number, dy: number): OpBar | null {
  const ops = timeIndex(m).ops[lane];
  if (ops === undefined || ops.length === 0 || dy > 12) return null;
  const slack = (state.t1 - state.t0) / 600;
  for (const op of ops) if (op.t0 - slack <= t && op.t1 + slack >= t) return op;
  return null;
}

// ---- zoom and pan (d3-zoom on the time axis), scrubbing, minimap ----------------------------------------------------

/** Where the time axis ends: the longer of the run and its what-if variant, so both show whole side by side. */
function tEnd(): number {
  return Math.max(1, state.model?.tMax ?? 1, state.compare?.tMax ?? 0);
}

/** A window of `span` around t (t at `at` of the way across), moved inside [0, tEnd()]. */
function windowAround(t: number, span: number, at = 0.5): [number, number] {
  const s = Math.min(span, tEnd());
  const t0 = Math.max(0, Math.min(tEnd() - s, t - s * at));
  return [t0, t0 + s];
}

/** The zoom's world: the run [0, tEnd()] laid over the plot [LABEL_WIDTH, right]; panning stops at the run's ends. */
function plotExtent(el: HTMLElement): [[number, number], [number, number]] {
  return [
    [LABEL_WIDTH, 0],
    [Math.max(LABEL_WIDTH + 1, el.clientWidth - RIGHT_PAD), Math.max(1, el.clientHeight)],
  ];
}

function setupZoom(which: Which): void {
  const v = views[which];
  const zoom = d3
    .zoom<SVGSVGElement, unknown>()
    .scaleExtent([1, 1e6])
    .extent(() => plotExtent(v.el))
    .constrain((transform, extent) => {
      const dx0 = transform.invertX(extent[0][0]) - extent[0][0];
      const dx1 = transform.invertX(extent[1][0]) - extent[1][0];
      return transform.translate(dx1 > dx0 ? (dx0 + dx1) / 2 : Math.min(0, dx0) || Math.max(0, dx1), 0);
    })
    .filter(
      (ev: Event) =>
        ev.type === "wheel" || (ev.type === "mousedown" && (ev as MouseEvent).shiftKey) || ev.type.startsWith("touch"),
    )
    .on("zoom", (ev: d3.D3ZoomEvent<SVGSVGElement, unknown>) => {
      const m = state.model;
      if (m === null) return;
      const [[left], [right]] = plotExtent(v.el);
      const [a, b] = ev.transform.rescaleX(d3.scaleLinear().domain([0, tEnd()]).range([left, right])).domain() as [
        number,
        number,
      ];
      state.t0 = Math.max(0, a);
      state.t1 = Math.min(tEnd(), b);
      // keep the other view's zoom in step, without an event
      const other = views[which === "main" ? "compare" : "main"].svg as SVGSVGElement & { __zoom?: d3.ZoomTransform };
      other.__zoom = ev.transform;
      requestRender();
    });
  d3.select(v.svg).call(zoom).on("dblclick.zoom", null);
  v.zoom = zoom;
  setupScrub(which);
}

/**
 * Scrubbing: press on the diagram and drag to move the cursor (a press without a drag is a click: it selects the lane
 * and time). Shift-drag pans, the wheel zooms (d3-zoom).
 */
let pressMoved = false;
function setupScrub(which: Which): void {
  const v = views[which];
  let press: { x: number; id: number } | null = null;
  v.svg.addEventListener("pointerdown", (ev) => {
    if (ev.shiftKey || ev.button !== 0) return;
    press = { x: ev.clientX, id: ev.pointerId };
    pressMoved = false;
  });
  v.svg.addEventListener("pointermove", (ev) => {
    if (press === null || ev.pointerId !== press.id || (!pressMoved && Math.abs(ev.clientX - press.x) < 4)) return;
    if (!pressMoved) v.svg.setPointerCapture(ev.pointerId);
    pressMoved = true;
    const m = state.model;
    const at = m === null ? null : pointAt(ev, which, m);
    if (at !== null) setCursor(at.t, false);
  });
  const end = (ev: PointerEvent) => {
    if (press === null || ev.pointerId !== press.id) return;
    press = null;
    // the click that follows a drag must not select: pressMoved is cleared after it
    setTimeout(() => {
      pressMoved = false;
    }, 0);
  };
  v.svg.addEventListener("pointerup", end);
  v.svg.addEventListener("pointercancel", end);
}

/** Press or drag on the minimap: the window (same width) centred there. */
{
  const canvas = minimap.canvas;
  let dragging = false;
  const moveTo = (ev: PointerEvent) => {
    const m = state.model;
    if (m === null) return;
    zoomTo(...windowAround(minimap.timeAt(tEnd(), ev.clientX), state.t1 - state.t0));
  };
  canvas.addEventListener("pointerdown", (ev) => {
    dragging = true;
    canvas.setPointerCapture(ev.pointerId);
    moveTo(ev);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (dragging) moveTo(ev);
  });
  canvas.addEventListener("pointerup", () => {
    dragging = false;
  });
}

function zoomTo(t0: number, t1: number): void {
  const m = state.model;
  if (m === null) return;
  const [[left], [right]] = plotExtent(views.main.el);
  // rescaleX(base) must map [left, right] back to [t0, t1]: k = end / span, tx = left - k * base(t0).
  const end = tEnd();
  const k = end / Math.max(1, t1 - t0);
  const baseT0 = left + (t0 / end) * (right - left);
  const transform = d3.zoomIdentity.translate(left - k * baseT0, 0).scale(k);
  for (const v of Object.values(views)) (v.svg as SVGSVGElement & { __zoom?: d3.ZoomTransform }).__zoom = transform;
  state.t0 = t0;
  state.t1 = t1;
  requestRender();
}

function resetZoom(): void {
  const m = state.model;
  if (m === null) return;
  zoomTo(0, tEnd());
}

function onDiagramClick(ev: MouseEvent, which: Which): void {
  const m = which === "main" ? state.model : state.compare;
  if (m === null) return;
  const at = pointAt(ev, which, m);
  if (at === null) return;
  const k = which === "main" ? messageAt(m, ev) : -1;
  if (k >= 0) {
    setCursor(m.msgT0[k] as number);
    state.selection = { lane: m.msgFrom[k] as number, t: m.msgT0[k] as number, message: k };
    stepScope();
    void inspectMessage(m, k);
    requestRender();
    return;
  }
  setCursor(at.t);
  if (which === "main") select(at.lane, at.t);
}

/** The message whose drawn line passes within 4 px of the pointer (arrows are drawn one by one), else -1. */
function messageAt(m: Model, ev: MouseEvent): number {
  const v = views.main;
  if (v.stats?.mode !== "exact") return -1;
  const rect = v.el.getBoundingClientRect();
  const px = ev.clientX - rect.left;
  const py = ev.clientY - rect.top;
  const vp = viewport(v.el);
  const ys = laneYs(m, vp, state.filters);
  const scale = (vp.width - LABEL_WIDTH - RIGHT_PAD) / Math.max(1, state.t1 - state.t0);
  const x = (t: number) => LABEL_WIDTH + (t - state.t0) * scale;
  const laneH = ys.length > 1 ? Math.abs((ys[1] as number) - (ys[0] as number)) : vp.height;
  let best = -1;
  let bestD = 4;
  for (let k = 0; k < m.msgCount; k++) {
    const t0 = m.msgT0[k] as number;
    const t1 = m.msgT1[k] as number;
    if (t1 < state.t0 || t0 > state.t1 || state.filters.hiddenTypes.has(m.types[m.msgType[k] as number] ?? ""))
      continue;
    const y0 = ys[m.msgFrom[k] as number] as number;
    const yTo = ys[m.msgTo[k] as number] as number;
    if (Number.isNaN(y0) || Number.isNaN(yTo)) continue;
    const y1 =
      m.msgStatus[k] === 1 && t1 === t0
        ? y0 + Math.sign(yTo - y0) * Math.min(Math.abs(yTo - y0) / 2, laneH * 0.4)
        : yTo;
    const d = distanceToSegment(px, py, x(t0), y0, x(t1), y1);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

/** A clicked message in the inspector: type, ends, times, why it was dropped, and its fields (from the worker). */
async function inspectMessage(m: Model, k: number): Promise<void> {
  const el = $("inspector");
  const name = (l: number) => m.lanes[l]?.id ?? "?";
  const status = m.msgStatus[k] === 0 ? "delivered" : m.msgStatus[k] === 1 ? "dropped" : "in flight at the end";
  const rows: [string, string][] = [
    ["message", `${m.types[m.msgType[k] as number]} ${name(m.msgFrom[k] as number)} -> ${name(m.msgTo[k] as number)}`],
    ["sent", timeFormat(m)(m.msgT0[k] as number)],
    [
      status === "delivered" ? "delivered" : status === "dropped" ? "dropped at" : "status",
      status === "in flight at the end" ? status : timeFormat(m)(m.msgT1[k] as number),
    ],
  ];
  if (status === "dropped") rows.push(["why dropped", dropTitle(m, k)]);
  const head = document.createElement("div");
  head.className = "inspector-head";
  head.textContent = "message (highlighted; the cone is what happened-before its send)";
  el.replaceChildren(head, rowsTable(rows, "inspector-table message-table"));
  try {
    const r = await call({ op: "event", which: m === state.compare ? "whatif" : "main", index: m.msgEvent[k] });
    const e = r.event as { m?: unknown } | null;
    if (e !== null && typeof e.m === "object" && e.m !== null && state.selection?.message === k)
      el.append(
        rowsTable(
          Object.entries(e.m).map(([f, v]) => [f, showValue(v)]),
          "inspector-table message-fields",
        ),
      );
  } catch (err) {
    const p = document.createElement("div");
    p.textContent = `fields unavailable: ${(err as Error).message}`;
    el.append(p);
  }
}

// ---- inspector, selection, causal cone ------------------------------------------------------------------------------

function select(lane: number, t: number, evidence?: readonly Evidence[]): void {
  state.selection = evidence === undefined || evidence.length === 0 ? { lane, t } : { lane, t, evidence };
  inspect(lane, t);
  stepScope();
  requestRender();
}

/** Next to the step buttons: whose events they step over (the selected lane's, else everyone's). */
function stepScope(): void {
  const lane = state.selection === null ? null : state.model?.lanes[state.selection.lane]?.id;
  $("step-scope").textContent = lane ? `of ${lane}` : "of all lanes";
}

function inspect(lane: number, t: number): void {
  const m = state.model;
  const el = $("inspector");
  el.replaceChildren();
  if (m === null) return;
  const formatTime = timeFormat(m);
  const l = m.lanes[lane];
  const head = document.createElement("div");
  head.className = "inspector-head";
  head.textContent = `${l?.id ?? "?"} (${l?.dc ?? "?"}) at ${formatTime(t)}`;
  el.append(head);
  const sel = state.selection;
  if (sel !== null) {
    const cone = document.createElement("div");
    cone.className = "inspector-cone";
    cone.textContent =
      sel.evidence === undefined
        ? `highlighted: what happened-before ${m.lanes[sel.lane]?.id ?? "?"} at ${formatTime(sel.t)} (its causal ` +
          `cone)`
        : `highlighted: what happened-before the ${sel.evidence.length} events the violation names (their cone)`;
    el.append(cone);
  }
  const s = viewAt(m, lane, t);
  const table = document.createElement("table");
  table.className = "inspector-table";
  const rows: [string, unknown][] =
    s === null ? [["state", l?.kind === "client" ? "client" : "no state yet"]] : Object.entries(s.v);
  if (s !== null) rows.push(["since", formatTime(s.t)]);
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const a = document.createElement("td");
    const b = document.createElement("td");
    a.textContent = k;
    b.textContent = showValue(v);
    tr.append(a, b);
    table.append(tr);
  }
  el.append(table);
  const g = m.txns === undefined ? null : txnAt(m.txns, lane, t);
  if (g !== null)
    el.append(
      rowsTable(
        txnRows(g, (k) => m.lanes[k]?.id ?? "?", formatTime),
        "inspector-table txn-table",
      ),
    );
}

function rowsTable(rows: [string, string][], cls: string): HTMLTableElement {
  const table = document.createElement("table");
  table.className = cls;
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const a = document.createElement("td");
    const b = document.createElement("td");
    a.textContent = k;
    b.textContent = v;
    tr.append(a, b);
    table.append(tr);
  }
  return table;
}

/** Move the cursor; with `follow`, a cursor outside the window brings the window to it, else it stops at the edge. */
function setCursor(t: number, follow = true): void {
  const m = state.model;
  if (m === null) return;
  state.cursor = follow ? Math.max(0, Math.min(tEnd(), t)) : Math.max(state.t0, Math.min(state.t1, t));
  if (state.cursor < state.t0 || state.cursor > state.t1) zoomTo(...windowAround(state.cursor, state.t1 - state.t0));
  if (state.selection !== null) inspect(state.selection.lane, state.cursor);
  requestRender();
}

// ---- filters and violations -----------------------------------------------------------------------------------------

function checkbox(label: string, checked: boolean, onChange: (on: boolean) => void): HTMLLabelElement {
  const l = document.createElement("label");
  const input = document.createElement("input");
  input.type = "checkbox";
  input.checked = checked;
  input.addEventListener("change", () => {
    onChange(input.checked);
    filtersVersion++;
    requestRender();
  });
  l.append(input, document.createTextNode(` ${label}`));
  return l;
}

function fieldset(title: string, items: HTMLElement[]): HTMLFieldSetElement {
  const f = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = title;
  f.append(legend, ...items);
  return f;
}

function buildFilters(m: Model): void {
  const f = state.filters;
  const toggle = (set: Set<number> | Set<string>, key: never, on: boolean) => (on ? set.delete(key) : set.add(key));
  const nodes = m.lanes.map((lane, l) => {
    const c = checkbox(lane.id, true, (on) => toggle(f.hiddenLanes, l as never, on));
    c.dataset.lane = lane.id;
    return c;
  });
  // a datacenter's box hides or shows its nodes, and their own boxes follow
  const dcs = m.dcs.map((dc) =>
    checkbox(dc.name, true, (on) => {
      const clients = m.lanes.flatMap((lane, l) => (lane.kind === "client" && lane.dc === dc.name ? [l] : []));
      for (const l of [...Array.from({ length: dc.last - dc.first + 1 }, (_, i) => dc.first + i), ...clients]) {
        toggle(f.hiddenLanes, l as never, on);
        const input = nodes[l]?.querySelector("input");
        if (input) input.checked = on;
      }
    }),
  );
  const types = m.types.map((t, i) => {
    const c = checkbox(t, true, (on) => toggle(f.hiddenTypes, t as never, on));
    c.dataset.type = t;
    c.querySelector("input")?.after(swatch(typeColor(i, m.types.length)));
    return c;
  });
  const kinds = [
    "send",
    "drop",
    "op",
    "state",
    "note",
    "crash",
    "restart",
    "partition",
    "heal",
    "link",
    "clock",
    "disk",
    ...(m.commits.length > 0 ? ["commit"] : []),
    ...(m.txns ? ["txn"] : []),
  ].map((k) => {
    const c = checkbox(k === "op" ? "client op" : k === "commit" ? "commit quorum" : k, true, (on) =>
      toggle(f.hiddenKinds, k as never, on),
    );
    c.dataset.kind = k;
    return c;
  });
  $("filters").replaceChildren(
    fieldset("datacenters", dcs),
    fieldset("lanes", nodes),
    fieldset("message types", types),
    fieldset("event kinds", kinds),
  );
  const stepKind = $("step-kind") as HTMLSelectElement;
  stepKind.replaceChildren();
  const any = document.createElement("option");
  any.value = "";
  any.textContent = "any event";
  stepKind.append(any);
  for (const k of KINDS) {
    const o = document.createElement("option");
    o.value = k;
    o.textContent = k;
    stepKind.append(o);
  }
}

/** Under a violation: the events its evidence names (click one to go there) and what the evidence shows. */
function explanationList(why: Explanation): HTMLElement {
  const box = document.createElement("li");
  box.className = "explanation";
  const head = document.createElement("div");
  head.textContent = "why: the events it names (marked 1, 2... on the diagram; the cone is theirs)";
  const ol = document.createElement("ol");
  for (const e of why.evidence) {
    const li = document.createElement("li");
    li.className = "evidence-item";
    li.textContent = `${timeFormat(state.model)(e.t)} ${e.label}`;
    li.addEventListener("click", () => setCursor(e.t));
    ol.append(li);
  }
  box.append(head, ol);
  for (const n of why.notes) {
    const p = document.createElement("div");
    p.className = "explanation-note";
    p.textContent = n;
    box.append(p);
  }
  return box;
}

/** The violations with their explanations (computed in simulated time, placed in the layout shown). */
function buildViolations(): void {
  const m = state.model;
  const ul = $("violations");
  ul.replaceChildren();
  if (m === null) return;
  if (m.violations.length === 0) {
    const li = document.createElement("li");
    li.textContent = "none: every check held";
    li.style.color = "#2e9e5b";
    ul.append(li);
    return;
  }
  m.violations.forEach((v, j) => {
    const li = document.createElement("li");
    li.className = "violation-item";
    li.textContent = `${timeFormat(m)(v.t)} ${v.text}`;
    const why = explained(j);
    li.addEventListener("click", () => showViolation(j));
    ul.append(li);
    if (why !== null) ul.append(explanationList(why));
  });
}

/** Go to violation j: the window around it and its evidence, the cursor on it, its evidence selected. */
function showViolation(j: number): void {
  const m = state.model;
  const v = m?.violations[j];
  if (m === null || v === undefined) return;
  const evidence = explained(j)?.evidence ?? [];
  // a violation of no node (linearizability, checked at the end) is shown by its evidence: the window covers it, the
  // cursor and the selection are at its last event
  const last = evidence.reduce<Evidence | undefined>((a, e) => (a === undefined || e.t > a.t ? e : a), undefined);
  const at = v.lane >= 0 || last === undefined ? { lane: v.lane, t: v.t } : last;
  const from = Math.min(at.t, ...evidence.map((e) => e.since ?? e.t));
  const span = Math.max(m.clock === "lamport" ? 40 : 200_000, at.t - from, (state.t1 - state.t0) / 4);
  zoomTo(...windowAround(at.t - (at.t - from) / 2, span * 1.2, 0.5));
  setCursor(at.t);
  if (at.lane < 0) return;
  select(at.lane, at.t, evidence);
  state.violationAt = j;
}

/** The index of the violation recorded by trace event `event`, -1 if none. */
function violationOf(event: number | undefined): number {
  return state.model?.violations.findIndex((v) => v.event === event) ?? -1;
}

/** Violation j's explanation in the layout shown (null when it has none). */
function explained(j: number): Explanation | null {
  const base = state.base;
  const v = base?.violations[j];
  if (base === null || v === undefined) return null;
  const why = explain(base, v);
  const map = state.model === base || state.model === null ? null : layoutMap(base);
  return why === null || map === null ? why : { ...why, evidence: map.evidence(why.evidence) };
}

($("search") as HTMLInputElement).addEventListener("input", (ev) => {
  state.filters.text = (ev.target as HTMLInputElement).value;
  filtersVersion++;
  requestRender();
});

// ---- time controls --------------------------------------------------------------------------------------------------

let lastFrame = 0;
function tick(now: number): void {
  if (!state.playing || state.model === null) return;
  const dt = lastFrame === 0 ? 0 : now - lastFrame;
  lastFrame = now;
  const speed = Number(($("speed") as HTMLSelectElement).value);
  // in the Lamport layout, "1 s/s" advances 1,000 timestamps a second
  const next = state.cursor + (dt / 1000) * speed * (state.model.clock === "lamport" ? 1e-3 : 1);
  if (next >= tEnd()) {
    state.playing = false;
    $("play").textContent = "▶";
  }
  setCursor(Math.min(tEnd(), next));
  requestAnimationFrame(tick);
}
function togglePlay(): void {
  state.playing = !state.playing;
  $("play").textContent = state.playing ? "⏸" : "▶";
  lastFrame = 0;
  if (state.playing) requestAnimationFrame(tick);
}
$("play").addEventListener("click", togglePlay);
function step(dir: 1 | -1): void {
  const m = state.model;
  if (m === null) return;
  const kind = ($("step-kind") as HTMLSelectElement).value || null;
  const t = stepEvent(m, state.cursor, dir, state.selection?.lane ?? null, kind);
  if (t !== null) setCursor(t);
}
$("step-next").addEventListener("click", () => step(1));
$("step-prev").addEventListener("click", () => step(-1));
$("reset-zoom").addEventListener("click", resetZoom);
$("clear-selection").addEventListener("click", () => {
  state.selection = null;
  state.violationAt = null;
  stepScope();
  $("inspector").textContent = "Click a lane to see that node's state at that time.";
  requestRender();
});
window.addEventListener("keydown", (ev) => {
  if ((ev.target as HTMLElement).tagName === "TEXTAREA" || (ev.target as HTMLElement).tagName === "INPUT") return;
  if (ev.key === " ") {
    ev.preventDefault();
    togglePlay();
  } else if (ev.key === "ArrowRight") step(1);
  else if (ev.key === "ArrowLeft") step(-1);
});
window.addEventListener("resize", () => requestRender());

// ---- what-if --------------------------------------------------------------------------------------------------------

/** The what-if panel's scenario, seed and bug variants (the trace header's until edited). */
function whatIfInputs(): { scenario: ResolvedScenario; seed: number; bugs: string[] } {
  const scenario = JSON.parse(($("whatif-scenario") as HTMLTextAreaElement).value) as ResolvedScenario;
  const seed = Number(($("whatif-seed") as HTMLInputElement).value);
  if (!Number.isInteger(seed)) throw new Error("seed: expected an integer");
  const bugs = ($("whatif-bugs") as HTMLInputElement).value
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
  return { scenario, seed, bugs };
}

async function whatIf(scenario: ResolvedScenario, seed: number, bugs: string[]): Promise<void> {
  const out = $("whatif-result");
  out.textContent = "simulating in the page...";
  const r = await call({ op: "simulate", scenario, seed, bugs });
  const model = r.model as Model;
  const summary = r.summary as { violations: { check: string; message: string }[]; events: number; stop: string };
  // a view of the whole run becomes a view of both runs whole
  const whole = state.t0 <= 0 && state.t1 >= tEnd();
  state.compareBase = model;
  state.compare = shown(model);
  const base = state.base;
  const div = base !== null ? firstDivergence(base, model) : null;
  state.divergencePhysical = div === null ? null : { tA: div.tA, tB: div.tB };
  state.divergence = shownDivergence();
  state.divergences = base !== null ? divergences(base, model) : [];
  state.divergenceAt = -1;
  $("next-divergence").hidden = state.divergences.length === 0;
  $("divergence-count").textContent = state.divergences.length === 0 ? "" : `${state.divergences.length} lanes diverge`;
  $("compare-view").hidden = false;
  $("compare-title").hidden = false;
  const diverged =
    div === null
      ? " — identical to the original"
      : ` — first divergence at event ${div.index} (t = ${formatTime(div.tA)} / ${formatTime(div.tB)})`;
  $("compare-title").textContent =
    `what-if: seed ${seed}, ${summary.events} events, ${summary.violations.length} violation(s)${diverged}`;
  out.textContent =
    summary.violations.length === 0
      ? "every check held"
      : summary.violations.map((v) => `${v.check}: ${v.message}`).join("\n");
  if (!views.compare.zoom) setupZoom("compare");
  if (whole) zoomTo(0, tEnd());
  else zoomTo(state.t0, Math.min(state.t1, tEnd()));
}

/** Show the next divergence (per lane, in time order; wraps around): its line, its lane selected, the cursor there. */
function nextDivergence(): void {
  const all = state.divergences;
  if (all.length === 0) return;
  state.divergenceAt = (state.divergenceAt + 1) % all.length;
  const d = all[state.divergenceAt] as Divergence;
  state.divergencePhysical = { tA: d.tA, tB: d.tB };
  state.divergence = shownDivergence();
  $("divergence-count").textContent =
    `divergence ${state.divergenceAt + 1} of ${all.length}: ${state.model?.lanes[d.lane]?.id ?? "?"} at ` +
    `${formatTime(d.tA)} / ${formatTime(d.tB)}`;
  const tA = state.divergence?.tA ?? d.tA;
  zoomTo(...windowAround(tA, state.t1 - state.t0));
  setCursor(tA);
  select(d.lane, laneToShown(d.lane, d.tA));
}
$("next-divergence").addEventListener("click", nextDivergence);

$("whatif-run").addEventListener("click", async () => {
  try {
    const { scenario, seed, bugs } = whatIfInputs();
    await whatIf(scenario, seed, bugs);
  } catch (e) {
    $("whatif-result").textContent = `cannot run: ${(e as Error).message}`;
  }
});

$("whatif-share").addEventListener("click", async () => {
  try {
    location.hash = `s=${await encodeShare(whatIfInputs())}`;
    $("whatif-result").textContent =
      "the page address now carries this scenario, seed and bug variants: copy it to share the run";
  } catch (e) {
    $("whatif-result").textContent = `cannot share: ${(e as Error).message}`;
  }
});

// ---- export ---------------------------------------------------------------------------------------------------------

function download(name: string, blob: Blob): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

for (const b of document.querySelectorAll<HTMLButtonElement>("[data-export]")) {
  b.addEventListener("click", async () => {
    const m = state.model;
    if (m === null) return;
    const format = b.dataset.export as string;
    const base = `${m.header.scenario.name}-seed${String(m.header.seed)}`;
    if (format === "svg") {
      const vp = viewport(views.main.el);
      const { prims } = layout(m, vp, state.filters, state.selection, state.divergence?.tA ?? null);
      download(`${base}.svg`, new Blob([toSvg(prims, vp.width, vp.height)], { type: "image/svg+xml" }));
      return;
    }
    const r = await call({ op: "export", format, which: "main" });
    const ext =
      format === "chrome"
        ? "chrome.json"
        : format === "shiviz"
          ? "shiviz.log"
          : format === "jepsen"
            ? "history.edn"
            : "ndjson";
    download(`${base}.${ext}`, r.blob as Blob);
  });
}

// ---- start ----------------------------------------------------------------------------------------------------------

/**
 * A `?trace=` naming another origin is loaded only when the user says so: a link must not make the page fetch from
 * anywhere it likes (the viewer would send requests to, and display what comes from, a host the user never chose).
 */
function askBeforeLoading(target: URL): void {
  const status = $("status");
  status.replaceChildren(`this link asks to load a trace from another site: ${target.href} `);
  const button = document.createElement("button");
  button.type = "button";
  button.id = "load-remote";
  button.textContent = "load it";
  button.addEventListener("click", () => void loadUrl(target.href));
  status.append(button);
}

setupZoom("main");
async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  ($("layout") as HTMLSelectElement).value = state.layout;
  const url = params.get("trace");
  const share = location.hash.startsWith("#s=") ? location.hash.slice(3) : null;
  if (url !== null) {
    const target = new URL(url, location.href);
    if (target.origin === location.origin) await loadUrl(target.href);
    else askBeforeLoading(target);
  }
  if (share !== null) {
    try {
      const { scenario, seed, bugs } = await decodeShare(share);
      const r = await call({ op: "simulate", scenario, seed, bugs });
      showModel(r.model as Model);
      setStatus("re-simulated from the shared link");
    } catch (e) {
      setStatus(`bad share link: ${(e as Error).message}`);
    }
  }
  if (url === null && share === null) setStatus("open a trace (button or drop), or use ?trace=URL");
}
void start();
