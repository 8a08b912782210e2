/**
 * The interactive layer over a view's canvas: marks (violations, faults, notes, drops, commits, transactions) and a
 * few texts as SVG elements, plus the time cursor. Elements are reused from frame to frame (a mark is positioned by a
 * transform, its path only changes with its shape), and one delegated listener per event type serves them all.
 * Titles are set with textContent, never markup.
 */
import { type Prim, STROKED } from "./prim.ts";
import { markPath } from "./render.ts";

type Mark = Extract<Prim, { p: "mark" }>;
const NS = "http://www.w3.org/2000/svg";

export interface OverlayHandlers {
  hover(ev: MouseEvent, mark: Mark | null): void;
  pick(ev: MouseEvent, mark: Mark | null): void;
}

interface Holder {
  g: SVGGElement;
  path: SVGPathElement;
  title: SVGTitleElement | null;
  key: string;
  text: string;
}

export class Overlay {
  private readonly marksLayer: SVGGElement;
  private readonly textLayer: SVGGElement;
  private readonly cursor: SVGLineElement;
  private holders: Holder[] = [];
  private texts: SVGTextElement[] = [];
  private marks: Mark[] = [];

  constructor(
    readonly svg: SVGSVGElement,
    handlers: OverlayHandlers,
  ) {
    this.textLayer = document.createElementNS(NS, "g");
    this.marksLayer = document.createElementNS(NS, "g");
    this.cursor = document.createElementNS(NS, "line");
    this.cursor.setAttribute("class", "cursor-line");
    this.cursor.setAttribute("stroke", "#1f2933");
    this.cursor.setAttribute("stroke-width", "1");
    this.cursor.setAttribute("y1", "20");
    // the cursor must not take the clicks meant for the marks it passes over
    this.cursor.setAttribute("pointer-events", "none");
    this.cursor.style.display = "none";
    svg.append(this.textLayer, this.cursor, this.marksLayer);
    const markOf = (ev: Event): Mark | null => {
      const g = (ev.target as Element).closest?.("g[data-i]");
      return g === null || g === undefined ? null : (this.marks[Number((g as SVGGElement).dataset.i)] ?? null);
    };
    svg.addEventListener("mousemove", (ev) => handlers.hover(ev, markOf(ev)));
    svg.addEventListener("mouseleave", (ev) => handlers.hover(ev, null));
    svg.addEventListener("click", (ev) => handlers.pick(ev, markOf(ev)));
  }

  /** Elements in this frame's overlay. */
  get size(): number {
    return this.marks.length + this.texts.length;
  }

  update(prims: readonly Prim[]): void {
    this.marks = [];
    let texts = 0;
    for (const p of prims) {
      if (p.p === "mark") this.place(this.marks.push(p) - 1, p);
      else if (p.p === "text" && (p.cls === "lane" || p.cls === "divergence-label")) this.placeText(texts++, p);
    }
    for (let i = this.marks.length; i < this.holders.length; i++) (this.holders[i] as Holder).g.remove();
    this.holders.length = Math.min(this.holders.length, this.marks.length);
    for (let i = texts; i < this.texts.length; i++) (this.texts[i] as SVGTextElement).remove();
    this.texts.length = Math.min(this.texts.length, texts);
  }

  moveCursor(x: number, height: number, visible: boolean): void {
    this.cursor.setAttribute("x1", String(x));
    this.cursor.setAttribute("x2", String(x));
    this.cursor.setAttribute("y2", String(height));
    this.cursor.style.display = visible ? "" : "none";
  }

  private place(i: number, p: Mark): void {
    let h = this.holders[i];
    if (h === undefined) {
      const g = document.createElementNS(NS, "g");
      const path = document.createElementNS(NS, "path");
      g.append(path);
      g.dataset.i = String(i);
      this.marksLayer.append(g);
      h = { g, path, title: null, key: "", text: "" };
      this.holders[i] = h;
    }
    const key = `${p.cls}|${p.shape}|${p.size}|${p.fill}|${p.ring}`;
    if (h.key !== key) {
      h.g.setAttribute("class", p.cls ?? "mark");
      h.path.setAttribute("d", markPath({ x: 0, y: 0, size: p.size, shape: p.shape }));
      // a ring (the selection) is drawn around what it marks and lets clicks through to it
      if (p.ring) h.g.setAttribute("pointer-events", "none");
      else h.g.removeAttribute("pointer-events");
      if (STROKED.has(p.shape) || p.ring) {
        h.path.setAttribute("stroke", p.fill);
        h.path.setAttribute("stroke-width", "2");
        h.path.setAttribute("fill", "none");
      } else {
        h.path.removeAttribute("stroke");
        h.path.setAttribute("fill", p.fill);
      }
      h.key = key;
    }
    h.g.setAttribute("transform", `translate(${Math.round(p.x * 100) / 100},${Math.round(p.y * 100) / 100})`);
    const text = p.title ?? "";
    if (h.text !== text) {
      if (text === "") {
        h.title?.remove();
        h.title = null;
        delete h.g.dataset.text;
      } else {
        if (h.title === null) {
          h.title = document.createElementNS(NS, "title");
          h.g.append(h.title);
        }
        h.title.textContent = text;
        h.g.dataset.text = text;
      }
      h.text = text;
    }
    if (p.t !== undefined) h.g.dataset.t = String(p.t);
    else delete h.g.dataset.t;
  }

  /** Lane names (transparent: the canvas shows them; these make them findable) and the divergence label. */
  private placeText(i: number, p: Extract<Prim, { p: "text" }>): void {
    let t = this.texts[i];
    if (t === undefined) {
      t = document.createElementNS(NS, "text");
      this.textLayer.append(t);
      this.texts[i] = t;
    }
    t.setAttribute("class", p.cls ?? "");
    t.setAttribute("x", String(p.x));
    t.setAttribute("y", String(p.y));
    t.setAttribute("text-anchor", p.anchor ?? "start");
    t.setAttribute("font-size", String(p.size));
    t.setAttribute("fill", "transparent");
    if (t.textContent !== p.text) t.textContent = p.text;
  }
}
