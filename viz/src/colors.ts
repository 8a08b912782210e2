/**
 * Colours shared by the diagram's layers, its legend and the filters: the legend draws its swatches from these, so
 * it shows what the diagram draws.
 */
import * as d3 from "d3";

/** Up to this many message types, a fixed qualitative palette (no reds: red means dropped). */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#17becf",
  "#393b79",
  "#bcbd22",
];
export const DROP_COLOR = "#d62728";
export const GREY = "#c5cbd3";
/** Lane shadings: each with the opacity it is drawn at. */
export const DOWN = { fill: "#555555", opacity: 0.18 };
export const PARTITION = { fill: "#d62728", opacity: 0.08 };
export const LEADER = { fill: "#e0a800", opacity: 0.85 };
export const TERM_TINTS = ["#dfe8f7", "#fbe3cc", "#dcefd8", "#eedcec", "#d6eeee", "#f8efc6"];
export const COMMIT = "#e0a800";

/**
 * The colour of message type `type` of `count`: the fixed palette while it has room, else `count` hues spread evenly
 * around the wheel (skipping the reds), so every type has its own colour however many there are.
 */
export function typeColor(type: number, count: number): string {
  if (count <= PALETTE.length) return PALETTE[type] ?? (PALETTE[type % PALETTE.length] as string);
  const hue = 40 + (type * 290) / count;
  return d3.hsl(hue, 0.5 + 0.15 * (type % 2), 0.42 + 0.1 * (type % 3)).formatHex();
}

/** A colour at an opacity over white, as one opaque colour (legend swatches show the drawn shade). */
export function overWhite(color: string, opacity: number): string {
  const c = d3.rgb(color);
  const mix = (v: number) => Math.round(255 - (255 - v) * opacity);
  return d3.rgb(mix(c.r), mix(c.g), mix(c.b)).formatHex();
}
