/**
 * The legend under the diagram: what each colour and mark means (message types, drops, client op outcomes, faults,
 * terms and leadership, transactions), built with DOM nodes and textContent. Its swatches and glyphs come from the
 * constants and the mark paths the diagram draws with, so the legend shows what is drawn.
 */
import { COMMIT, DOWN, DROP_COLOR, LEADER, overWhite, PARTITION, TERM_TINTS, typeColor } from "./colors.ts";
import { OUTCOME_COLORS, TERM_OPACITY } from "./layers.ts";
import type { Model } from "./model.ts";
import { type Shape, STROKED } from "./prim.ts";
import { markPath } from "./render.ts";

/**
 * A small coloured square (or line style) to put before a label. A pale box (a shading drawn faint over white: down
 * time, partitions, term tints) gets a thin outline, or it would vanish into the legend's own background.
 */
export function swatch(
  color: string,
  style: "box" | "line" | "dashed" | "dotted" = "box",
  pale = false,
): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = `swatch swatch-${style}${pale ? " swatch-pale" : ""}`;
  if (style === "box") s.style.background = color;
  else s.style.borderTopColor = color;
  return s;
}

function item(label: string, ...marks: Element[]): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = "legend-item";
  s.append(...marks, document.createTextNode(label));
  return s;
}

/** The glyph the diagram draws for a mark, as a small inline SVG. */
function glyph(shape: Shape, color: string, size = 4): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("class", "glyph");
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", markPath({ x: 7, y: 7, size, shape }));
  if (STROKED.has(shape)) {
    path.setAttribute("stroke", color);
    path.setAttribute("stroke-width", "2");
    path.setAttribute("fill", "none");
  } else path.setAttribute("fill", color);
  svg.append(path);
  return svg;
}

export function buildLegend(el: HTMLElement, m: Model): void {
  const items: HTMLElement[] = m.types.map((t, i) => item(t, swatch(typeColor(i, m.types.length), "line")));
  items.push(
    item("dropped", swatch(DROP_COLOR, "dashed"), glyph("x", DROP_COLOR, 3.5)),
    item("in flight at the end", swatch("#59606b", "dotted")),
  );
  if (m.ops.length > 0)
    for (const o of ["ok", "fail", "info", "pending"]) items.push(item(`op ${o}`, swatch(OUTCOME_COLORS[o] as string)));
  items.push(
    item("crash", glyph("square", "#7b1c1c", 4)),
    item("restart", glyph("tri", "#2e9e5b", 5)),
    item("down", swatch(overWhite(DOWN.fill, DOWN.opacity), "box", true)),
    item("note", glyph("dot", "#3b6fb6", 3)),
    item("partition", swatch(overWhite(PARTITION.fill, PARTITION.opacity * 2), "box", true)),
    item("fault", glyph("diamond", "#8e44ad", 5)),
    item("violation", glyph("star", "#c0392b", 5)),
  );
  if (m.hints.epoch !== undefined)
    items.push(
      item(
        "term (tint per term)",
        ...TERM_TINTS.slice(0, 3).map((c) => swatch(overWhite(c, TERM_OPACITY), "box", true)),
      ),
    );
  if (m.hints.leaderRole !== undefined) items.push(item(m.hints.leaderRole, swatch(LEADER.fill)));
  if (m.commits.length > 0)
    items.push(item("commit quorum (acks)", glyph("circle", COMMIT, 3.5), swatch(COMMIT, "line")));
  if (m.txns !== undefined)
    items.push(
      item("txn commit", glyph("bar", "#2e9e5b", 5)),
      item("txn abort", glyph("bar", "#d64545", 5)),
      item("txn undecided", glyph("bar", "#7b8794", 5)),
      item("vote yes / no", glyph("plus", "#2e9e5b", 4), glyph("minus", "#d64545", 4)),
    );
  el.replaceChildren(...items);
}
