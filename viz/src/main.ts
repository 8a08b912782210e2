/**
 * The Faultline viewer: loads a trace (query string, file input or drop), draws the space-time diagram (canvas for
 * dense layers, SVG for interaction), and offers inspection, time controls, filters, causal cones, what-if
 * re-simulation with divergence, metrics and exports. Every string from a trace goes through textContent.
 */
import * as d3 from "d3";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { renderMetrics } from "./metrics.ts";
import { firstDivergence, KINDS, type Model, stepEvent, viewAt } from "./model.ts";
import { drawCanvas, type Filters, formatTime, LABEL_WIDTH, laneYs, layout, type Prim, type Selection, toSvg, type Viewport } from "./render.ts";
import { txnAt, txnRows } from "./overlays/txn.ts";
import { decodeShare, encodeShare } from "./share.ts";

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

interface ViewState {
  model: Model | null;
  compare: Model | null;
  divergence: { tA: number; tB: number } | null;
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
  divergence: null,
  t0: 0,
  t1: 1,
  filters: { hiddenLanes: new Set(), hiddenTypes: new Set(), hiddenKinds: new Set(), text: "" },
  selection: null,
  cursor: 0,
  playing: false,
};

declare global {
  interface Window {
    faultline: { state: ViewState; ready: boolean; lastRender: { arrows: number; prims: number; ms: number }; loadMs: number; timings?: { decodeMs: number; parseMs: number; transferMs: number } };
  }
}
window.faultline = { state, ready: false, lastRender: { arrows: 0, prims: 0, ms: 0 }, loadMs: 0 };

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
    window.faultline.timings = { decodeMs: timings.decodeMs, parseMs: timings.parseMs, transferMs: Date.now() - timings.sentAt };
    showModel(r.model as Model);
    window.faultline.loadMs = performance.now() - t0;
    setStatus(`${(r.model as Model).evT.length} events, loaded in ${Math.round(window.faultline.loadMs)} ms`);
  } catch (e) {
    setStatus(`could not open ${source}: ${(e as Error).message}`);
    $("trace-title").textContent = `error: ${(e as Error).message}`;
  }
}

function showModel(model: Model): void {
  state.model = model;
  state.compare = null;
  state.divergence = null;
  state.selection = null;
  state.t0 = 0;
  state.t1 = Math.max(1, model.tMax);
  state.cursor = 0;
  state.filters = { hiddenLanes: new Set(), hiddenTypes: new Set(), hiddenKinds: new Set(), text: "" };
  const h = model.header;
  $("trace-title").textContent = `${h.scenario.name} · ${h.scenario.protocol.name} · seed ${String(h.seed)}${h.bugs.length ? ` · bugs: ${h.bugs.join(", ")}` : ""} · ${formatTime(model.tMax)}`;
  $("compare-view").hidden = true;
  $("compare-title").hidden = true;
  buildFilters(model);
  buildViolations(model);
  renderMetrics($("metrics"), model, (t) => setCursor(t));
  ($("whatif-scenario") as HTMLTextAreaElement).value = JSON.stringify(h.scenario, null, 2);
  ($("whatif-seed") as HTMLInputElement).value = String(h.seed);
  resetZoom();
  window.faultline.ready = true;
  document.body.dataset.loaded = "true";
}

$("file-input").addEventListener("change", async (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (file) await loadBytes(await file.arrayBuffer(), file.name);
});
window.addEventListener("dragover", (ev) => {
  ev.preventDefault();
  $("drop-hint").hidden = false;
});
window.addEventListener("dragleave", () => {
  $("drop-hint").hidden = true;
});
window.addEventListener("drop", async (ev) => {
  ev.preventDefault();
  $("drop-hint").hidden = true;
  const file = ev.dataTransfer?.files?.[0];
  if (file) await loadBytes(await file.arrayBuffer(), file.name);
});

// ---- rendering ----------------------------------------------------------------------------------------------------

const views = {
  main: { el: $("main-view"), zoom: null as d3.ZoomBehavior<SVGSVGElement, unknown> | null },
  compare: { el: $("compare-view"), zoom: null as d3.ZoomBehavior<SVGSVGElement, unknown> | null },
};
const tooltip = document.createElement("div");
tooltip.className = "tooltip";
tooltip.hidden = true;
document.body.append(tooltip);

function viewport(el: HTMLElement): Viewport {
  return { t0: state.t0, t1: state.t1, width: Math.max(200, el.clientWidth), height: Math.max(120, el.clientHeight) };
}

function render(): void {
  const started = performance.now();
  const m = state.model;
  if (m === null) return;
  const main = drawView(views.main.el, m, state.divergence?.tA ?? null);
  if (state.compare !== null) drawView(views.compare.el, state.compare, state.divergence?.tB ?? null);
  drawMinimap(m);
  $("cursor").textContent = `t = ${formatTime(state.cursor)}`;
  window.faultline.lastRender = { arrows: main.arrows, prims: main.prims, ms: performance.now() - started };
}

function drawView(el: HTMLElement, model: Model, divergence: number | null): { arrows: number; prims: number } {
  const vp = viewport(el);
  const sel = model === state.model ? state.selection : null;
  const { prims, arrows } = layout(model, vp, state.filters, sel, divergence);
  const canvas = el.querySelector("canvas") as HTMLCanvasElement;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = vp.width * dpr;
  canvas.height = vp.height * dpr;
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawCanvas(ctx, prims, vp.width, vp.height);
  canvas.dataset.arrows = String(arrows);
  drawOverlay(el.querySelector("svg") as SVGSVGElement, prims, vp);
  return { arrows, prims: prims.length };
}

/** Interactive marks (faults, notes, violations, cursor) as SVG elements; titles set with textContent. */
function drawOverlay(svg: SVGSVGElement, prims: readonly Prim[], vp: Viewport): void {
  const sel = d3.select(svg);
  sel.selectAll("*").remove();
  const x = (t: number) => LABEL_WIDTH + ((t - vp.t0) / Math.max(1, vp.t1 - vp.t0)) * (vp.width - LABEL_WIDTH - 8);
  const g = sel.append("g");
  for (const p of prims) {
    if (p.p !== "mark" && !(p.p === "text" && (p.cls === "lane" || p.cls === "divergence-label"))) continue;
    if (p.p === "text") {
      g.append("text").attr("class", p.cls ?? "").attr("x", p.x).attr("y", p.y).attr("text-anchor", p.anchor ?? "start").attr("font-size", p.size).attr("fill", "transparent").text(p.text);
      continue;
    }
    if (p.p !== "mark") continue;
    const holder = document.createElementNS("http://www.w3.org/2000/svg", "g");
    holder.setAttribute("class", p.cls ?? "mark");
    const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
    const s = p.size;
    const d = p.shape === "x" ? `M${p.x - s},${p.y - s}L${p.x + s},${p.y + s}M${p.x - s},${p.y + s}L${p.x + s},${p.y - s}` : p.shape === "tri" ? `M${p.x},${p.y - s}L${p.x + s},${p.y + s * 0.8}L${p.x - s},${p.y + s * 0.8}Z` : p.shape === "diamond" ? `M${p.x},${p.y - s}L${p.x + s},${p.y}L${p.x},${p.y + s}L${p.x - s},${p.y}Z` : `M${p.x - s},${p.y}a${s},${s} 0 1,0 ${2 * s},0a${s},${s} 0 1,0 ${-2 * s},0`;
    shape.setAttribute("d", d);
    if (p.shape === "x") {
      shape.setAttribute("stroke", p.fill);
      shape.setAttribute("stroke-width", "2");
      shape.setAttribute("fill", "none");
    } else shape.setAttribute("fill", p.fill);
    holder.append(shape);
    if (p.title) {
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = p.title;
      holder.append(title);
      holder.dataset.text = p.title;
    }
    if (p.t !== undefined) holder.dataset.t = String(p.t);
    holder.addEventListener("mousemove", (ev) => showTooltip(ev as MouseEvent, p.title ?? ""));
    holder.addEventListener("mouseleave", () => (tooltip.hidden = true));
    holder.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (p.t !== undefined) {
        setCursor(p.t);
        if (p.lane !== undefined && p.lane >= 0) select(p.lane, p.t);
      }
    });
    svg.append(holder);
  }
  sel.append("line").attr("class", "cursor-line").attr("x1", x(state.cursor)).attr("x2", x(state.cursor)).attr("y1", 20).attr("y2", vp.height).attr("stroke", "#1f2933").attr("stroke-width", 1);
}

function showTooltip(ev: MouseEvent, text: string): void {
  tooltip.textContent = text;
  tooltip.hidden = text === "";
  tooltip.style.left = `${ev.clientX + 12}px`;
  tooltip.style.top = `${ev.clientY + 12}px`;
}

function drawMinimap(model: Model): void {
  const canvas = $("minimap") as HTMLCanvasElement;
  const w = canvas.clientWidth || 800;
  const h = 46;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const bins = new Float64Array(Math.max(1, Math.floor(w / 2)));
  for (let k = 0; k < model.evT.length; k++) {
    const b = Math.min(bins.length - 1, Math.floor(((model.evT[k] as number) / Math.max(1, model.tMax)) * bins.length));
    bins[b] = (bins[b] as number) + 1;
  }
  const max = Math.max(1, ...bins);
  ctx.fillStyle = "#9fb3c8";
  bins.forEach((v, i) => ctx.fillRect(i * 2, h - (v / max) * (h - 6), 2, (v / max) * (h - 6)));
  ctx.fillStyle = "#c0392b";
  for (const v of model.violations) ctx.fillRect((v.t / model.tMax) * w - 1, 0, 2, h);
  ctx.strokeStyle = "#1f2933";
  ctx.lineWidth = 1.5;
  ctx.strokeRect((state.t0 / model.tMax) * w, 1, Math.max(3, ((state.t1 - state.t0) / model.tMax) * w), h - 2);
}

$("minimap").addEventListener("click", (ev) => {
  const m = state.model;
  if (m === null) return;
  const rect = (ev.target as HTMLElement).getBoundingClientRect();
  const t = ((ev.clientX - rect.left) / rect.width) * m.tMax;
  const span = state.t1 - state.t0;
  zoomTo(Math.max(0, t - span / 2), Math.max(0, t - span / 2) + span);
});

// ---- zoom and pan (d3-zoom on the time axis) ------------------------------------------------------------------------

function setupZoom(which: "main" | "compare"): void {
  const el = views[which].el;
  const svg = el.querySelector("svg") as SVGSVGElement;
  const zoom = d3
    .zoom<SVGSVGElement, unknown>()
    .scaleExtent([1, 1e6])
    .filter((ev: Event) => ev.type === "wheel" || (ev.type === "mousedown" && (ev as MouseEvent).shiftKey) || ev.type.startsWith("touch"))
    .on("zoom", (ev: d3.D3ZoomEvent<SVGSVGElement, unknown>) => {
      const m = state.model;
      if (m === null) return;
      const base = d3.scaleLinear().domain([0, m.tMax]).range([LABEL_WIDTH, el.clientWidth - 8]);
      const scaled = ev.transform.rescaleX(base);
      const [a, b] = scaled.domain() as [number, number];
      state.t0 = Math.max(0, a);
      state.t1 = Math.min(m.tMax, b);
      render();
    });
  d3.select(svg).call(zoom).on("dblclick.zoom", null);
  views[which].zoom = zoom;
  svg.addEventListener("click", (ev) => onDiagramClick(ev, which));
}

function zoomTo(t0: number, t1: number): void {
  const m = state.model;
  if (m === null) return;
  const el = views.main.el;
  const right = el.clientWidth - 8;
  // rescaleX(base) must map [LABEL_WIDTH, right] back to [t0, t1]: k = tMax / span, tx = L - k * base(t0).
  const k = m.tMax / Math.max(1, t1 - t0);
  const baseT0 = LABEL_WIDTH + (t0 / m.tMax) * (right - LABEL_WIDTH);
  const transform = d3.zoomIdentity.translate(LABEL_WIDTH - k * baseT0, 0).scale(k);
  const zoom = views.main.zoom;
  if (zoom) d3.select(el.querySelector("svg") as SVGSVGElement).call(zoom.transform, transform);
  state.t0 = t0;
  state.t1 = t1;
  render();
}

function resetZoom(): void {
  const m = state.model;
  if (m === null) return;
  const zoom = views.main.zoom;
  if (zoom) d3.select(views.main.el.querySelector("svg") as SVGSVGElement).call(zoom.transform, d3.zoomIdentity);
  state.t0 = 0;
  state.t1 = m.tMax;
  render();
}

function onDiagramClick(ev: MouseEvent, which: "main" | "compare"): void {
  const m = which === "main" ? state.model : state.compare;
  if (m === null) return;
  const el = views[which].el;
  const rect = el.getBoundingClientRect();
  const px = ev.clientX - rect.left;
  const py = ev.clientY - rect.top;
  const vp = viewport(el);
  const t = state.t0 + ((px - LABEL_WIDTH) / (vp.width - LABEL_WIDTH - 8)) * (state.t1 - state.t0);
  const ys = laneYs(m, vp, state.filters);
  let best = -1;
  let bestD = Number.POSITIVE_INFINITY;
  ys.forEach((y, l) => {
    if (!Number.isNaN(y) && Math.abs(y - py) < bestD) {
      bestD = Math.abs(y - py);
      best = l;
    }
  });
  setCursor(Math.max(0, t));
  if (best >= 0 && which === "main") select(best, Math.max(0, t));
}

// ---- inspector, selection, causal cone ------------------------------------------------------------------------------

function select(lane: number, t: number): void {
  state.selection = { lane, t };
  inspect(lane, t);
  render();
}

function inspect(lane: number, t: number): void {
  const m = state.model;
  const el = $("inspector");
  el.replaceChildren();
  if (m === null) return;
  const l = m.lanes[lane];
  const head = document.createElement("div");
  head.className = "inspector-head";
  head.textContent = `${l?.id ?? "?"} (${l?.dc ?? "?"}) at ${formatTime(t)} — causal cone highlighted`;
  el.append(head);
  const s = viewAt(m, lane, t);
  const table = document.createElement("table");
  table.className = "inspector-table";
  const rows: [string, unknown][] = s === null ? [["state", l?.kind === "client" ? "client" : "no state yet"]] : Object.entries(s.v);
  if (s !== null) rows.push(["since", formatTime(s.t)]);
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const a = document.createElement("td");
    const b = document.createElement("td");
    a.textContent = k;
    b.textContent = typeof v === "string" ? v : JSON.stringify(v);
    tr.append(a, b);
    table.append(tr);
  }
  el.append(table);
  const g = m.txns === undefined ? null : txnAt(m.txns, lane, t);
  if (g !== null) el.append(rowsTable(txnRows(g, (k) => m.lanes[k]?.id ?? "?", formatTime), "inspector-table txn-table"));
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

function setCursor(t: number): void {
  const m = state.model;
  if (m === null) return;
  state.cursor = Math.max(0, Math.min(m.tMax, t));
  if (state.cursor < state.t0 || state.cursor > state.t1) {
    const span = state.t1 - state.t0;
    const t0 = Math.max(0, Math.min(m.tMax - span, state.cursor - span / 2));
    zoomTo(t0, t0 + span);
    return;
  }
  if (state.selection !== null) inspect(state.selection.lane, state.cursor);
  render();
}

// ---- filters and violations -----------------------------------------------------------------------------------------

function checkbox(label: string, checked: boolean, onChange: (on: boolean) => void): HTMLLabelElement {
  const l = document.createElement("label");
  const input = document.createElement("input");
  input.type = "checkbox";
  input.checked = checked;
  input.addEventListener("change", () => {
    onChange(input.checked);
    render();
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
  const dcs = m.dcs.map((dc) => checkbox(dc.name, true, (on) => { for (let l = dc.first; l <= dc.last; l++) toggle(f.hiddenLanes, l as never, on); }));
  const nodes = m.lanes.map((lane, l) => {
    const c = checkbox(lane.id, true, (on) => toggle(f.hiddenLanes, l as never, on));
    c.dataset.lane = lane.id;
    return c;
  });
  const types = m.types.map((t) => {
    const c = checkbox(t, true, (on) => toggle(f.hiddenTypes, t as never, on));
    c.dataset.type = t;
    return c;
  });
  const kinds = ["send", "drop", "state", "note", "crash", "restart", "partition", "heal", "link", "clock", "disk", ...(m.txns ? ["txn"] : [])].map((k) => {
    const c = checkbox(k, true, (on) => toggle(f.hiddenKinds, k as never, on));
    c.dataset.kind = k;
    return c;
  });
  $("filters").replaceChildren(fieldset("datacenters", dcs), fieldset("lanes", nodes), fieldset("message types", types), fieldset("event kinds", kinds));
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

function buildViolations(m: Model): void {
  const ul = $("violations");
  ul.replaceChildren();
  if (m.violations.length === 0) {
    const li = document.createElement("li");
    li.textContent = "none: every check held";
    li.style.color = "#2e9e5b";
    ul.append(li);
    return;
  }
  for (const v of m.violations) {
    const li = document.createElement("li");
    li.className = "violation-item";
    li.textContent = `${formatTime(v.t)} ${v.text}`;
    li.addEventListener("click", () => {
      const span = Math.min(m.tMax, Math.max(200_000, (state.t1 - state.t0) / 4));
      zoomTo(Math.max(0, v.t - span / 2), Math.min(m.tMax, v.t + span / 2));
      setCursor(v.t);
      if (v.lane >= 0) select(v.lane, v.t);
    });
    ul.append(li);
  }
}

($("search") as HTMLInputElement).addEventListener("input", (ev) => {
  state.filters.text = (ev.target as HTMLInputElement).value;
  render();
});

// ---- time controls ---------------------------------------------------------------------------------------------------

let lastFrame = 0;
function tick(now: number): void {
  if (!state.playing || state.model === null) return;
  const dt = lastFrame === 0 ? 0 : now - lastFrame;
  lastFrame = now;
  const speed = Number(($("speed") as HTMLSelectElement).value);
  const next = state.cursor + (dt / 1000) * speed;
  if (next >= state.model.tMax) {
    state.playing = false;
    $("play").textContent = "▶";
  }
  setCursor(Math.min(state.model.tMax, next));
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
  render();
});
window.addEventListener("keydown", (ev) => {
  if ((ev.target as HTMLElement).tagName === "TEXTAREA" || (ev.target as HTMLElement).tagName === "INPUT") return;
  if (ev.key === " ") {
    ev.preventDefault();
    togglePlay();
  } else if (ev.key === "ArrowRight") step(1);
  else if (ev.key === "ArrowLeft") step(-1);
});
window.addEventListener("resize", () => render());

// ---- what-if ---------------------------------------------------------------------------------------------------------

async function whatIf(scenario: ResolvedScenario, seed: number): Promise<void> {
  const out = $("whatif-result");
  out.textContent = "simulating in the page...";
  const r = await call({ op: "simulate", scenario, seed });
  const model = r.model as Model;
  const summary = r.summary as { violations: { check: string; message: string }[]; events: number; stop: string };
  state.compare = model;
  const base = state.model;
  const div = base !== null ? firstDivergence(base, model) : null;
  state.divergence = div === null ? null : { tA: div.tA, tB: div.tB };
  $("compare-view").hidden = false;
  $("compare-title").hidden = false;
  $("compare-title").textContent = `what-if: seed ${seed}, ${summary.events} events, ${summary.violations.length} violation(s)${div === null ? " — identical to the original" : ` — first divergence at event ${div.index} (t = ${formatTime(div.tA)} / ${formatTime(div.tB)})`}`;
  out.textContent = summary.violations.length === 0 ? "every check held" : summary.violations.map((v) => `${v.check}: ${v.message}`).join("\n");
  if (!views.compare.zoom) setupZoom("compare");
  render();
}

$("whatif-run").addEventListener("click", async () => {
  try {
    const scenario = JSON.parse(($("whatif-scenario") as HTMLTextAreaElement).value) as ResolvedScenario;
    const seed = Number(($("whatif-seed") as HTMLInputElement).value);
    if (!Number.isInteger(seed)) throw new Error("seed: expected an integer");
    await whatIf(scenario, seed);
  } catch (e) {
    $("whatif-result").textContent = `cannot run: ${(e as Error).message}`;
  }
});

$("whatif-share").addEventListener("click", async () => {
  try {
    const scenario = JSON.parse(($("whatif-scenario") as HTMLTextAreaElement).value) as ResolvedScenario;
    const seed = Number(($("whatif-seed") as HTMLInputElement).value);
    location.hash = `s=${await encodeShare({ scenario, seed })}`;
    $("whatif-result").textContent = "the page address now carries this scenario and seed: copy it to share the run";
  } catch (e) {
    $("whatif-result").textContent = `cannot share: ${(e as Error).message}`;
  }
});

// ---- export ----------------------------------------------------------------------------------------------------------

function download(name: string, text: string, type: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
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
      download(`${base}.svg`, toSvg(prims, vp.width, vp.height), "image/svg+xml");
      return;
    }
    const r = await call({ op: "export", format, which: "main" });
    const ext = format === "chrome" ? "chrome.json" : format === "shiviz" ? "shiviz.log" : format === "jepsen" ? "history.edn" : "ndjson";
    download(`${base}.${ext}`, String(r.text), "text/plain");
  });
}

// ---- start -----------------------------------------------------------------------------------------------------------

setupZoom("main");
async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const url = params.get("trace");
  const share = location.hash.startsWith("#s=") ? location.hash.slice(3) : null;
  if (url !== null) {
    await loadUrl(new URL(url, location.href).href);
  }
  if (share !== null) {
    try {
      const { scenario, seed } = await decodeShare(share);
      const r = await call({ op: "simulate", scenario, seed });
      showModel(r.model as Model);
      setStatus("re-simulated from the shared link");
    } catch (e) {
      setStatus(`bad share link: ${(e as Error).message}`);
    }
  }
  if (url === null && share === null) setStatus("open a trace (button or drop), or use ?trace=URL");
}
void start();
