/**
 * The per-node state panel at the cursor's time, drawn from the views the trace recorded and the header's view
 * hints (the viewer names no protocol):
 * - log hint: each node's log as entries coloured by term, its commit index, and on the leader's followers their
 *   match and next index (RaftScope's picture, at any time of the run);
 * - items hint: each item's (transaction's) state at each node.
 * Built with DOM nodes and textContent: nothing from a trace becomes markup.
 */
import { numberField, progressField, runsField } from "./hints.ts";
import type { Model } from "./model.ts";
import { viewAt } from "./model.ts";

const SVG = "http://www.w3.org/2000/svg";
/** Entries shown per log row: the last ones up to the longest log. */
export const LOG_WINDOW = 48;
/** Items shown: the ones touched last before the time. */
export const ITEMS_SHOWN = 12;
export const TERM_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];
export const termColor = (term: number) => TERM_COLORS[term % TERM_COLORS.length] as string;

/** One node's log at a time, as the panel draws it. */
export interface LogRow {
  lane: number;
  id: string;
  role: string;
  down: boolean;
  term: number | null;
  length: number;
  commit: number;
  /** Entry terms by index (undefined: not described by the view, e.g. older than its runs, or compacted). */
  termAt: (index: number) => number | undefined;
  match: Record<string, number> | null;
  next: Record<string, number> | null;
}

/** Every node's log at time t (null without a log hint). */
export function logRows(m: Model, t: number): LogRow[] | null {
  const h = m.hints.log;
  if (h === undefined) return null;
  const rows: LogRow[] = [];
  m.lanes.forEach((lane, l) => {
    if (lane.kind !== "node") return;
    const s = viewAt(m, l, t);
    const down = s?.v.role === "down";
    // a node that is down shows the log it had when it crashed (greyed): that is what it comes back with
    const list = m.states[l] ?? [];
    const before = down && s !== null ? list.filter((x) => x.t <= s.t && x.v.role !== "down").pop() : undefined;
    const v = (down ? before?.v : s?.v) ?? {};
    const runs = runsField(v, h.terms) ?? [];
    const length = numberField(v, h.length) ?? 0;
    rows.push({
      lane: l,
      id: lane.id,
      role: typeof v.role === "string" ? v.role : "",
      down,
      term: numberField(v, m.hints.epoch),
      length,
      commit: numberField(v, h.commit) ?? 0,
      termAt: (i) => {
        if (i > length) return undefined;
        let found: number | undefined;
        for (const [first, term] of runs) if (first <= i) found = term;
        return found;
      },
      match: progressField(v, h.match),
      next: progressField(v, h.next),
    });
  });
  return rows;
}

/** Per item, per node lane: its state at time t (the last view naming the item). Items touched last come first. */
export function itemStates(m: Model, t: number, limit = ITEMS_SHOWN): { item: string; states: Map<number, string> }[] {
  const h = m.hints.items;
  if (h === undefined) return [];
  const byItem = new Map<string, { last: number; states: Map<number, string> }>();
  m.states.forEach((list, l) => {
    for (const s of list) {
      if (s.t > t) break;
      const id = s.v[h.id];
      const st = s.v[h.state];
      if ((typeof id !== "string" && typeof id !== "number") || typeof st !== "string") continue;
      let e = byItem.get(String(id));
      if (e === undefined) byItem.set(String(id), (e = { last: s.t, states: new Map() }));
      e.last = Math.max(e.last, s.t);
      e.states.set(l, st);
    }
  });
  return [...byItem.entries()]
    .sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([item, e]) => ({ item, states: e.states }));
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function text(x: number, y: number, s: string, attrs: Record<string, string | number> = {}): SVGTextElement {
  const e = el("text", { x, y, "font-size": 11, fill: "#323f4b", ...attrs });
  e.textContent = s;
  return e;
}

/** The log panel: one row per node, entries [lo, hi] as boxes coloured by term, commit and follower progress marks. */
function drawLogs(rows: LogRow[], width: number): SVGSVGElement {
  const hi = Math.max(1, ...rows.map((r) => r.length));
  const lo = Math.max(1, hi - LOG_WINDOW + 1);
  const left = 150;
  const box = Math.max(8, Math.min(22, (width - left - 150) / (hi - lo + 1)));
  const rowH = 30;
  const svg = el("svg", { width, height: rows.length * rowH + 30, class: "log-panel" });
  const leader = rows.find((r) => r.match !== null && !r.down);
  svg.append(text(left, 12, `log entries ${lo}..${hi} (colour: term; | commit index)`, { fill: "#52606d" }));
  for (let i = lo; i <= hi; i += Math.max(1, Math.ceil(5 / Math.max(1, box / 8)))) {
    svg.append(text(left + (i - lo) * box + box / 2, 24, String(i), { "font-size": 9, "text-anchor": "middle" }));
  }
  rows.forEach((r, k) => {
    const y = 30 + k * rowH;
    const g = el("g", { class: `log-row${r.down ? " down" : ""}`, "data-node": r.id });
    const label = `${r.id} ${r.down ? "down" : r.role}${r.term !== null ? ` t${r.term}` : ""}`;
    // (a down node's row is its log at the crash, faded)
    g.append(text(4, y + 15, label, { "font-weight": r === leader ? 700 : 400 }));
    for (let i = lo; i <= Math.min(hi, r.length); i++) {
      const term = r.termAt(i);
      const rect = el("rect", {
        x: left + (i - lo) * box,
        y: y + 2,
        width: box - 1,
        height: 18,
        fill: term === undefined ? "#e4e7eb" : termColor(term),
        opacity: r.down ? 0.35 : i <= r.commit ? 1 : 0.55,
        class: "log-entry",
      });
      const title = el("title", {});
      title.textContent = `${r.id} entry ${i}: term ${term ?? "?"}${i <= r.commit ? ", committed here" : ""}`;
      rect.append(title);
      g.append(rect);
      if (term !== undefined && box >= 14)
        g.append(
          text(left + (i - lo) * box + box / 2 - 0.5, y + 15, String(term), {
            "font-size": 9,
            fill: "#fff",
            "text-anchor": "middle",
          }),
        );
    }
    if (r.commit >= lo) {
      const x = left + (Math.min(r.commit, hi) - lo + 1) * box - 0.5;
      g.append(
        el("line", { x1: x, y1: y - 1, x2: x, y2: y + 23, stroke: "#111", "stroke-width": 2.5, class: "log-commit" }),
      );
    }
    const match = leader?.match?.[r.id];
    const next = leader?.next?.[r.id];
    const notes: string[] = [`commit ${r.commit}`, `len ${r.length}`];
    if (leader !== undefined && r !== leader && match !== undefined) {
      notes.push(`match ${match}`, `next ${next ?? "?"}`);
      if (match >= lo) {
        const x = left + (Math.min(match, hi) - lo + 0.5) * box;
        g.append(
          el("path", { d: `M${x - 4},${y + 27}L${x + 4},${y + 27}L${x},${y + 21}Z`, fill: "#111", class: "log-match" }),
        );
      }
      if (next !== undefined && next >= lo && next <= hi + 1) {
        const x = left + (next - lo + 0.5) * box;
        g.append(
          el("path", {
            d: `M${x - 4},${y + 27}L${x + 4},${y + 27}L${x},${y + 21}Z`,
            fill: "none",
            stroke: "#111",
            class: "log-next",
          }),
        );
      }
    }
    g.append(text(left + (hi - lo + 1) * box + 8, y + 15, notes.join(" · "), { fill: "#52606d", "font-size": 10 }));
    svg.append(g);
  });
  return svg;
}

const ITEM_COLORS: Record<string, string> = {
  committed: "#2e9e5b",
  commit: "#2e9e5b",
  aborted: "#d64545",
  abort: "#d64545",
  uncertain: "#c77c02",
  precommitted: "#7d3c98",
};

/** The items table: one row per item, one column per node, each cell the item's state there. */
function drawItems(m: Model, t: number, label: string): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "items-panel";
  const nodes = m.lanes.map((l, i) => [l, i] as const).filter(([l]) => l.kind === "node");
  const head = document.createElement("tr");
  for (const name of [label, ...nodes.map(([l]) => l.id)]) {
    const th = document.createElement("th");
    th.textContent = name;
    head.append(th);
  }
  table.append(head);
  for (const { item, states } of itemStates(m, t)) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.textContent = item;
    tr.append(td);
    for (const [, l] of nodes) {
      const c = document.createElement("td");
      const st = states.get(l) ?? "";
      const down = m.down.some((d) => d.lane === l && d.t0 <= t && t <= d.t1);
      c.textContent = `${st === "" ? "·" : st}${down ? " (down)" : ""}`;
      if (down) c.style.opacity = "0.5";
      c.className = "item-state";
      const color = ITEM_COLORS[st];
      if (color !== undefined) c.style.color = color;
      tr.append(c);
    }
    table.append(tr);
  }
  return table;
}

/** Fill the panel for time t; hidden when the trace's hints describe neither a log nor items. */
export function renderStatePanel(host: HTMLElement, m: Model, t: number, format: (t: number) => string): void {
  const rows = logRows(m, t);
  const items = m.hints.items;
  host.hidden = rows === null && items === undefined;
  if (host.hidden) return;
  const title = document.createElement("div");
  title.className = "state-panel-title";
  title.textContent = `node state at t = ${format(t)} (move the cursor to see it change)`;
  const parts: Element[] = [title];
  if (rows !== null) parts.push(drawLogs(rows, Math.max(400, host.clientWidth - 10)));
  if (items !== undefined) parts.push(drawItems(m, t, items.label));
  host.replaceChildren(...parts);
}
