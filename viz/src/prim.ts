/**
 * The diagram's drawing primitives and what a layout is computed from (window, filters, selection): plain types shared
 * by the layout (render.ts, layers.ts, overlays), the canvas, the SVG overlay and the SVG export.
 */

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
  /** A clicked message (its index): drawn thick with its arrowhead, its fields in the inspector. */
  message?: number;
  /** A violation's evidence: marked on the diagram, and the cone is theirs (not the whole state at lane, t). */
  evidence?: readonly Evidence[];
}

/** An event a violation's explanation names. */
export interface Evidence {
  lane: number;
  t: number;
  /** What it is, in a few words ("n5 elected leader of term 4"). */
  label: string;
  /** False for an event listed and marked but not a seed of the cone (its cone is the whole state there). */
  cone?: boolean;
  /** The trace event it is (the logical layout places it by that event's Lamport timestamp). */
  event?: number;
  /** A client op: its invoke time and event (t is its completion), drawn as its whole bar. */
  since?: number;
  sinceEvent?: number;
}

/**
 * Mark glyphs, one per meaning: x drop, square crash, tri restart, star violation, diamond fault, bar transaction
 * decision, plus/minus vote yes/no, dot note, circle commit quorum (hollow shapes are stroked).
 */
export type Shape = "x" | "tri" | "dot" | "diamond" | "square" | "star" | "bar" | "plus" | "minus" | "circle";
/** Glyphs drawn as strokes rather than filled. */
export const STROKED: ReadonlySet<Shape> = new Set(["x", "plus", "minus", "circle"]);

export type Prim =
  | {
      p: "rect";
      x: number;
      y: number;
      w: number;
      h: number;
      fill: string;
      opacity?: number;
      cls?: string;
      title?: string;
      event?: number;
    }
  | {
      p: "line";
      x1: number;
      y1: number;
      x2: number;
      y2: number;
      stroke: string;
      width: number;
      opacity?: number;
      dash?: string;
      cls?: string;
    }
  | {
      p: "text";
      x: number;
      y: number;
      text: string;
      fill: string;
      size: number;
      anchor?: "start" | "middle" | "end";
      weight?: string;
      cls?: string;
    }
  | {
      p: "mark";
      x: number;
      y: number;
      shape: Shape;
      size: number;
      fill: string;
      cls?: string;
      title?: string;
      event?: number;
      t?: number;
      lane?: number;
      ring?: boolean;
    }
  | { p: "layer"; layer: Layer; cls: string };

/** A dense layer: drawn on the canvas in one go, written to SVG item by item. */
export interface Layer {
  draw(ctx: CanvasRenderingContext2D): void;
  svg(out: string[]): void;
}
