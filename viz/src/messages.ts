/**
 * The message layer, the densest part of the diagram. When at most EXACT_MAX messages are in view, each is drawn
 * from send to arrival (dropped ones dashed, ending in a cross where they were dropped: on a short stub towards the
 * receiver inside the sender's lane for a drop decided at send time, on the receiver's lane for one dropped on
 * arrival; ones still in flight when the run ended dotted). Above that there are more messages than the pixels can
 * tell apart, and the layer switches to density strips (density.ts): per lane and column of time, how many messages
 * it sent, by type, drops in red. The legend line says which is on and how many messages are in view, so nothing is
 * dropped silently; zooming in brings the arrows back.
 *
 * Either way a frame costs about the same at every zoom level: the exact layer draws at most EXACT_MAX one-pixel
 * lines, found by binary search on the send times; the density layer counts per lane, type and column with two
 * binary searches per column (messageIndex.ts), whatever the number of messages.
 */
import { Batch, clipSegment } from "./batch.ts";
import { DROP_COLOR, GREY, typeColor } from "./colors.ts";
import { COLUMN_PX, Density } from "./density.ts";
import { DROPPED, IN_FLIGHT, lowerBound, type MessageIndex, messageIndex, upperBound } from "./messageIndex.ts";
import type { Model } from "./model.ts";

/** Up to this many messages in view, each is drawn (2,500 one-pixel arrows raster in ~5 ms here). */
export const EXACT_MAX = 2_500;
/** Up to this many messages in view, each arrow gets an arrowhead (more would be noise, and cost a frame's time). */
export const HEADS_MAX = 600;
/** Up to this many drops in view, each drop's cross is interactive (its tooltip says why it was dropped). */
export const MAX_DROP_MARKS = 300;

export interface MessageView {
  /** x = t * scale + offset; lines are clipped to [xMin, xMax]. */
  scale: number;
  offset: number;
  xMin: number;
  xMax: number;
  t0: number;
  t1: number;
  /** y of each lane (NaN when hidden), and the lane height. */
  ys: Float64Array;
  laneH: number;
  hiddenType: Uint8Array;
  showDrops: boolean;
  /** Causal cone (per lane, the latest time in it), or null. */
  cone: Float64Array | null;
}

export interface MessageStats {
  mode: "exact" | "density";
  /** Messages in view (what the drawing stands for). */
  inView: number;
  /** Lines drawn, one per message (exact). */
  arrows: number;
  /** Density: column width in pixels and the most messages one lane sent in a column (the darkest shade). */
  columnPx: number;
  densityMax: number;
}

/**
 * True when message k was dropped as it was sent (loss, a partition in force, link down, full queue: the network
 * decides at send time and the drop has the send's time), false when it was dropped on arrival (the receiver was
 * down, or a partition started while it was in flight). A crash drop is always on arrival.
 */
export function droppedAtSend(m: Model, k: number): boolean {
  return m.msgT1[k] === m.msgT0[k] && m.dropWhy[k] !== "crash";
}

/** A drop whose cross is drawn as an interactive mark. */
export interface DropMark {
  x: number;
  y: number;
  message: number;
}

/** Style ids, registered in paint order (grey under colour, drops and the causal cone on top). */
interface Styles {
  grey: number;
  greyDrop: number;
  normal: number[];
  inFlight: number[];
  drop: number;
  cone: number[];
  dropX: number;
}

function register(b: Batch, types: number): Styles {
  const perType = (f: (c: string) => number) => Array.from({ length: types }, (_, i) => f(typeColor(i, types)));
  return {
    grey: b.style({ shape: "line", color: GREY, width: 1, alpha: 0.6, dash: null, cls: "arrow out-of-cone" }),
    greyDrop: b.style({
      shape: "line",
      color: GREY,
      width: 1,
      alpha: 0.6,
      dash: [3, 2],
      cls: "arrow drop out-of-cone",
    }),
    normal: perType((c) => b.style({ shape: "line", color: c, width: 1, alpha: 0.75, dash: null, cls: "arrow" })),
    inFlight: perType((c) =>
      b.style({ shape: "line", color: c, width: 1, alpha: 0.75, dash: [1, 3], cls: "arrow in-flight" }),
    ),
    drop: b.style({ shape: "line", color: DROP_COLOR, width: 1, alpha: 0.75, dash: [3, 2], cls: "arrow drop" }),
    cone: perType((c) => b.style({ shape: "line", color: c, width: 1, alpha: 1, dash: null, cls: "arrow in-cone" })),
    dropX: b.style({ shape: "x", color: DROP_COLOR, width: 1, alpha: 1, dash: null, cls: "drop-mark" }),
  };
}

/** lowerBound from lo, galloping: cost grows with the log of the distance to the answer, not of the range. */
function gallop(a: Float32Array, v: number, lo: number, hi: number): number {
  let step = 1;
  let at = lo;
  while (at < hi && (a[at] as number) < v) {
    lo = at + 1;
    at = lo + step;
    step *= 2;
  }
  return lowerBound(a, v, lo, Math.min(at, hi));
}

/** Lays out a model's messages, reusing its buffers. One per view; rebuilt when the view shows another model. */
export class MessageLayer {
  readonly batch = new Batch();
  readonly density: Density;
  readonly drops: DropMark[] = [];
  private readonly ix: MessageIndex;
  private readonly st: Styles;
  private v!: MessageView;
  private arrows = 0;
  /** Whether this frame draws arrowheads (few enough arrows in view to tell them apart). */
  private heads = false;
  private top = new Float64Array(0);
  private readonly seg = new Float64Array(4);

  constructor(readonly model: Model) {
    this.ix = messageIndex(model);
    this.st = register(this.batch, Math.max(1, model.types.length));
    this.density = new Density(Math.max(1, model.types.length));
  }

  layout(v: MessageView): MessageStats {
    this.v = v;
    this.batch.reset();
    this.drops.length = 0;
    this.arrows = 0;
    const estimate = this.estimate();
    if (estimate <= EXACT_MAX) {
      this.heads = estimate <= HEADS_MAX;
      this.exact();
      return { mode: "exact", inView: this.arrows, arrows: this.arrows, columnPx: 0, densityMax: 0 };
    }
    return this.counts();
  }

  private slotVisible(s: number): boolean {
    const { ix, v } = this;
    if ((v.hiddenType[ix.slotType[s] as number] as number) === 1) return false;
    if (!v.showDrops && ix.slotStatus[s] === DROPPED) return false;
    return (
      !Number.isNaN(v.ys[ix.slotFrom[s] as number] as number) && !Number.isNaN(v.ys[ix.slotTo[s] as number] as number)
    );
  }

  /** Messages sent in [t0 - longMicros, t1] on visible slots: at least the messages in view, cheaply. */
  private estimate(): number {
    const { ix, v } = this;
    let n = 0;
    for (let s = 0; s < ix.slots; s++) {
      if (!this.slotVisible(s)) continue;
      const a = ix.slotStart[s] as number;
      const b = ix.slotStart[s + 1] as number;
      const from = ix.slotLong[s] === 1 ? Number.NEGATIVE_INFINITY : v.t0 - ix.longMicros;
      n += upperBound(ix.orderT0, v.t1, a, b) - lowerBound(ix.orderT0, from, a, b);
      if (n > EXACT_MAX) return n;
    }
    return n;
  }

  private exact(): void {
    const { ix, v, model: m } = this;
    const lo = lowerBound(ix.sendT, v.t0 - ix.longMicros);
    const hi = upperBound(ix.sendT, v.t1);
    for (let p = lo; p < hi; p++) {
      const k = ix.bySend === null ? p : (ix.bySend[p] as number);
      const t1 = m.msgT1[k] as number;
      if (t1 < v.t0 || t1 - (m.msgT0[k] as number) > ix.longMicros) continue;
      this.single(k);
    }
    for (let i = 0; i < ix.long.length; i++) {
      const k = ix.long[i] as number;
      if ((m.msgT0[k] as number) <= v.t1 && (m.msgT1[k] as number) >= v.t0) this.single(k);
    }
    // Too many drops in view for interactive crosses: draw them in the batch instead.
    if (this.drops.length > MAX_DROP_MARKS) {
      for (const d of this.drops) this.batch.add(this.st.dropX, d.x, d.y, 4, 0);
      this.drops.length = 0;
    }
  }

  /** One message, exactly (if it passes the filters and has both lanes). */
  private single(k: number): void {
    const { v, model: m, st } = this;
    const from = m.msgFrom[k] as number;
    const to = m.msgTo[k] as number;
    const type = m.msgType[k] as number;
    const status = m.msgStatus[k] as number;
    if (from < 0 || to < 0 || (v.hiddenType[type] as number) === 1 || (status === DROPPED && !v.showDrops)) return;
    const y0 = v.ys[from] as number;
    const y1 = v.ys[to] as number;
    if (Number.isNaN(y0) || Number.isNaN(y1)) return;
    const t0 = m.msgT0[k] as number;
    const grey = v.cone !== null && t0 > (v.cone[from] as number);
    const dropped = status === DROPPED;
    const style = grey
      ? dropped
        ? st.greyDrop
        : st.grey
      : dropped
        ? st.drop
        : v.cone !== null
          ? (st.cone[type] as number)
          : status === IN_FLIGHT
            ? (st.inFlight[type] as number)
            : (st.normal[type] as number);
    const x1 = t0 * v.scale + v.offset;
    const x2 = (m.msgT1[k] as number) * v.scale + v.offset;
    const yEnd = dropped && droppedAtSend(m, k) ? this.stub(y0, y1) : y1;
    this.arrows++;
    this.line(style, x1, y0, x2, yEnd);
    if (this.heads && !dropped) this.head(style, x1, y0, x2, yEnd);
    if (dropped && x2 >= v.xMin && x2 <= v.xMax) {
      if (grey) this.batch.add(st.dropX, x2, yEnd, 3, 0);
      else this.drops.push({ x: x2, y: yEnd, message: k });
    }
  }

  /**
   * Where a message dropped as it was sent ends: a short stub from the sender towards the receiver, inside the
   * sender's own lane (at most 40% of a lane from its line), so the cross sits on the arrow's path on the sender's
   * lane. Half-way between the lanes (as before) put it on other lanes' space: n4 -> c4 ended between c1 and c2.
   */
  private stub(y0: number, y1: number): number {
    return y0 + Math.sign(y1 - y0) * Math.min(Math.abs(y1 - y0) / 2, this.v.laneH * 0.4);
  }

  /**
   * An arrowhead at (x2, y2) pointing along the arrow: direction reads even on a near-vertical message between
   * neighbouring lanes of one datacenter.
   */
  private head(style: number, x1: number, y1: number, x2: number, y2: number): void {
    if (x2 < this.v.xMin || x2 > this.v.xMax) return;
    const len = Math.hypot(x2 - x1, y2 - y1);
    if (len < 6) return;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    const size = 6;
    // two sides at +-25 degrees from the arrow's direction, back from its tip
    const c = Math.cos(0.44);
    const s = Math.sin(0.44);
    this.batch.add(style, x2, y2, x2 - size * (ux * c - uy * s), y2 - size * (uy * c + ux * s));
    this.batch.add(style, x2, y2, x2 - size * (ux * c + uy * s), y2 - size * (uy * c - ux * s));
  }

  /** Add a line clipped to [xMin, xMax] (nothing if it lies outside). */
  private line(style: number, x1: number, y1: number, x2: number, y2: number): void {
    const seg = this.seg;
    seg[0] = x1;
    seg[1] = y1;
    seg[2] = x2;
    seg[3] = y2;
    if (clipSegment(seg, this.v.xMin, this.v.xMax))
      this.batch.add(style, seg[0] as number, seg[1] as number, seg[2] as number, seg[3] as number);
  }

  /** Density: per lane, messages sent per column, by type and dropped (two binary searches per non-empty column). */
  private counts(): MessageStats {
    const { ix, v, model: m } = this;
    const colMicros = 2 ** Math.ceil(Math.log2(Math.max(1, COLUMN_PX / v.scale)));
    const first = Math.floor(v.t0 / colMicros);
    const cols = Math.floor(v.t1 / colMicros) - first + 1;
    if (this.top.length !== m.lanes.length) this.top = new Float64Array(m.lanes.length);
    // most of the half-lane above the line (a 155 px lane had a 10 px strip): room to read the shares by type
    const stripH = Math.max(4, Math.round(v.laneH * 0.42));
    for (let l = 0; l < m.lanes.length; l++) this.top[l] = (v.ys[l] as number) - 2 - stripH;
    const d = this.density;
    d.reset(
      colMicros,
      first,
      cols,
      first * colMicros * v.scale + v.offset,
      colMicros * v.scale,
      this.top,
      stripH,
      v.xMin,
      v.xMax,
    );
    const types = Math.max(1, m.types.length);
    let inView = 0;
    for (let s = 0; s < ix.slots; s++) {
      if (!this.slotVisible(s)) continue;
      const a = ix.slotStart[s] as number;
      const b = ix.slotStart[s + 1] as number;
      const from = ix.slotFrom[s] as number;
      const kind = ix.slotStatus[s] === DROPPED ? types : (ix.slotType[s] as number);
      let i = lowerBound(ix.orderT0, first * colMicros, a, b);
      const end = upperBound(ix.orderT0, v.t1, a, b);
      inView += end - i;
      while (i < end) {
        const c = Math.floor((ix.orderT0[i] as number) / colMicros);
        const j = gallop(ix.orderT0, (c + 1) * colMicros, i + 1, end);
        d.add(from, kind, c, j - i);
        i = j;
      }
    }
    d.finish();
    return { mode: "density", inView, arrows: 0, columnPx: colMicros * v.scale, densityMax: d.max };
  }
}
