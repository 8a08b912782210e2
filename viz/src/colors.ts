/** Colours shared by the diagram's layers, its legend and the filters. */

export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#bab0ac",
  "#e15759",
  "#ff9da7",
];
export const DROP_COLOR = "#d62728";
export const GREY = "#c5cbd3";

/** The colour of a message type (by its index in the model's types). */
export function typeColor(type: number): string {
  return PALETTE[type % PALETTE.length] as string;
}
