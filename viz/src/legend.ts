/**
 * The legend under the diagram: what each colour and mark means (message types, drops, client op outcomes, faults,
 * Raft terms and leadership, transactions), built with DOM nodes and textContent.
 */
import { DROP_COLOR, typeColor } from "./colors.ts";
import type { Model } from "./model.ts";
import { OUTCOME_COLORS } from "./layers.ts";

/** A small coloured square (or line style) to put before a label. */
export function swatch(color: string, style: "box" | "line" | "dashed" | "dotted" = "box"): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = `swatch swatch-${style}`;
  if (style === "box") s.style.background = color;
  else s.style.borderTopColor = color;
  return s;
}

function item(label: string, mark: HTMLElement): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = "legend-item";
  s.append(mark, document.createTextNode(label));
  return s;
}

function glyph(text: string, color: string): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = "glyph";
  s.style.color = color;
  s.textContent = text;
  return s;
}

export function buildLegend(el: HTMLElement, m: Model): void {
  const items: HTMLElement[] = m.types.map((t, i) => item(t, swatch(typeColor(i), "line")));
  items.push(item("dropped", glyph("- - ×", DROP_COLOR)), item("in flight at the end", swatch("#59606b", "dotted")));
  if (m.ops.length > 0)
    for (const o of ["ok", "fail", "info", "pending"]) items.push(item(`op ${o}`, swatch(OUTCOME_COLORS[o] as string)));
  items.push(
    item("crash", glyph("×", "#b71c1c")),
    item("restart", glyph("▲", "#2e9e5b")),
    item("down", swatch("rgba(85,85,85,0.3)")),
    item("note", glyph("●", "#3b6fb6")),
    item("partition", swatch("rgba(214,39,40,0.25)")),
    item("fault", glyph("◆", "#8e44ad")),
    item("violation", glyph("▲", "#c0392b")),
  );
  if (m.hints.epoch !== undefined || m.hints.leaderRole !== undefined) {
    items.push(
      item("term (tint)", swatch("#eef3fb")),
      item("leader", swatch("#e0a800")),
      item("commit quorum", glyph("●—", "#e0a800")),
    );
  }
  if (m.txns !== undefined)
    items.push(
      item("txn commit", glyph("◆", "#2e9e5b")),
      item("txn abort", glyph("◆", "#d64545")),
      item("vote yes / no", glyph("● ×", "#52606d")),
    );
  el.replaceChildren(...items);
}
