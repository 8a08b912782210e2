/**
 * Message density: what the diagram shows when more messages are in view than can be drawn one by one. Per lane, a
 * strip just above its line counts the messages it sent in each column of time (COLUMN_PX to 2 x COLUMN_PX wide, on
 * a grid of power-of-two microseconds, so panning does not reshuffle them): darker is more (the darkest is `max`,
 * said in the legend), stacked by message type in the type's colour, with the dropped ones in red on top. Any type
 * present in a column gets at least one pixel, so a lone drop still shows.
 *
 * Drawn as one small image (a pixel per column and strip row) scaled onto the canvas: ~0.5 ms a frame.
 */
import { DROP_COLOR, typeColor } from "./colors.ts";

export const COLUMN_PX = 2;

function rgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export class Density {
  /**
   * Column grid: column c covers [c * colMicros, (c + 1) * colMicros); the frame shows columns first .. first + cols -
   * 1.
   */
  colMicros = 1;
  first = 0;
  cols = 0;
  /** Screen x of column `first`'s left edge, and a column's width in pixels. */
  x0 = 0;
  colPx = COLUMN_PX;
  stripH = 8;
  /** Per lane, the strip's top (NaN: lane hidden). */
  top = new Float64Array(0);
  xMin = 0;
  xMax = 0;
  max = 0;
  private kinds = 1;
  private counts = new Float64Array(0);
  private pixels = new Uint8ClampedArray(0);
  private image: HTMLCanvasElement | null = null;
  private heights = new Int32Array(0);
  private readonly colors: [number, number, number][];

  constructor(readonly types: number) {
    this.colors = [...Array.from({ length: types }, (_, i) => rgb(typeColor(i, types))), rgb(DROP_COLOR)];
    this.kinds = types + 1;
  }

  /** Start a frame: the grid and the strips (counts cleared). */
  reset(
    colMicros: number,
    first: number,
    cols: number,
    x0: number,
    colPx: number,
    top: Float64Array,
    stripH: number,
    xMin: number,
    xMax: number,
  ): void {
    Object.assign(this, { colMicros, first, cols, x0, colPx, top, stripH, xMin, xMax, max: 0 });
    const size = top.length * this.kinds * cols;
    if (this.counts.length < size) this.counts = new Float64Array(size);
    else this.counts.fill(0, 0, size);
  }

  /** n messages sent by `lane` in column `col` (absolute): of type `kind`, or dropped (kind = types). */
  add(lane: number, kind: number, col: number, n: number): void {
    const c = col - this.first;
    if (c < 0 || c >= this.cols) return;
    const at = (lane * this.kinds + kind) * this.cols + c;
    this.counts[at] = (this.counts[at] as number) + n;
  }

  /** Column totals' maximum (the darkest shade), once every add is done. */
  finish(): void {
    let max = 0;
    for (let lane = 0; lane < this.top.length; lane++) {
      if (Number.isNaN(this.top[lane] as number)) continue;
      for (let c = 0; c < this.cols; c++) max = Math.max(max, this.total(lane, c));
    }
    this.max = max;
  }

  private total(lane: number, c: number): number {
    let t = 0;
    for (let k = 0; k < this.kinds; k++) t += this.counts[(lane * this.kinds + k) * this.cols + c] as number;
    return t;
  }

  /**
   * Fill one column of a strip: rows[r] gets the kind drawn at row r from the bottom (-1: none); returns the alpha.
   * Heights are shares of the strip, at least one row for any kind present; the largest kind absorbs the rounding.
   */
  private column(lane: number, c: number, rows: Int32Array): number {
    const total = this.total(lane, c);
    rows.fill(-1);
    if (total === 0) return 0;
    const H = this.stripH;
    let used = 0;
    let big = 0;
    let bigN = -1;
    if (this.heights.length !== this.kinds) this.heights = new Int32Array(this.kinds);
    const h = this.heights;
    h.fill(0);
    for (let k = 0; k < this.kinds; k++) {
      const n = this.counts[(lane * this.kinds + k) * this.cols + c] as number;
      if (n === 0) continue;
      h[k] = Math.max(1, Math.floor((n / total) * H));
      used += h[k] as number;
      if (n > bigN && k < this.kinds - 1) {
        big = k;
        bigN = n;
      }
    }
    h[big] = Math.max(1, (h[big] as number) + H - used);
    let r = 0;
    for (let k = 0; k < this.kinds && r < H; k++) for (let i = 0; i < (h[k] as number) && r < H; i++) rows[r++] = k;
    return Math.round(255 * (0.25 + 0.75 * Math.sqrt(total / Math.max(1, this.max))));
  }

  /** The strips as RGBA pixels: width cols, one block of stripH rows per lane (top row first). */
  private paint(): Uint8ClampedArray {
    const lanes = this.top.length;
    const H = this.stripH;
    const size = this.cols * lanes * H * 4;
    if (this.pixels.length < size) this.pixels = new Uint8ClampedArray(size);
    const px = this.pixels;
    px.fill(0, 0, size);
    const rows = new Int32Array(H);
    for (let lane = 0; lane < lanes; lane++) {
      if (Number.isNaN(this.top[lane] as number)) continue;
      for (let c = 0; c < this.cols; c++) {
        const alpha = this.column(lane, c, rows);
        if (alpha === 0) continue;
        for (let r = 0; r < H; r++) {
          const k = rows[r] as number;
          if (k < 0) continue;
          const [R, G, B] = this.colors[k] as [number, number, number];
          const o = ((lane * H + (H - 1 - r)) * this.cols + c) * 4;
          px[o] = R;
          px[o + 1] = G;
          px[o + 2] = B;
          px[o + 3] = alpha;
        }
      }
    }
    return px;
  }

  draw(ctx: CanvasRenderingContext2D): void {
    if (this.cols === 0) return;
    const lanes = this.top.length;
    const H = this.stripH;
    const px = this.paint();
    this.image ??= document.createElement("canvas");
    const img = this.image;
    if (img.width !== this.cols || img.height !== lanes * H) {
      img.width = this.cols;
      img.height = lanes * H;
    }
    const ictx = img.getContext("2d") as CanvasRenderingContext2D;
    ictx.putImageData(
      new ImageData(px.subarray(0, this.cols * lanes * H * 4) as Uint8ClampedArray<ArrayBuffer>, this.cols, lanes * H),
      0,
      0,
    );
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.xMin, 0, this.xMax - this.xMin, ctx.canvas.height);
    ctx.clip();
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = 1;
    for (let lane = 0; lane < lanes; lane++) {
      const top = this.top[lane] as number;
      if (!Number.isNaN(top)) ctx.drawImage(img, 0, lane * H, this.cols, H, this.x0, top, this.cols * this.colPx, H);
    }
    ctx.restore();
  }

  /**
   * The strips for the SVG export: what the canvas shows, as one path per colour and shade. In a column each kind is
   * one block of rows, and a block continues the same block of the column before when it has the same rows and
   * shade, so a strip costs about a rectangle per kind and change of shade, bounded by the pixels in view, not by the
   * messages (the first export wrote a rectangle per row and run of pixels: ~28-40K elements, 3-4.5 MB, for a
   * 1M-event trace on five lanes).
   */
  svg(out: string[]): void {
    const H = this.stripH;
    const rows = new Int32Array(H);
    const r2 = (v: number) => Math.round(v * 100) / 100;
    const paths = new Map<string, string[]>();
    // Open blocks of the previous column, by "kind/rowTop/rows/alpha": [x start column].
    let open = new Map<string, number>();
    const close = (key: string, c0: number, c1: number, top: number) => {
      const [kind, rowTop, n, alpha] = key.split("/").map(Number) as [number, number, number, number];
      const x1 = Math.max(this.xMin, this.x0 + c0 * this.colPx);
      const x2 = Math.min(this.xMax, this.x0 + c1 * this.colPx);
      if (x2 <= x1) return;
      const [R, G, B] = this.colors[kind] as [number, number, number];
      const fill = `fill="rgb(${R},${G},${B})" fill-opacity="${r2(alpha / 255)}"`;
      let d = paths.get(fill);
      if (d === undefined) paths.set(fill, (d = []));
      d.push(`M${r2(x1)} ${r2(top + rowTop)}h${r2(x2 - x1)}v${n}h${r2(x1 - x2)}z`);
    };
    for (let lane = 0; lane < this.top.length; lane++) {
      const top = this.top[lane] as number;
      if (Number.isNaN(top)) continue;
      for (let c = 0; c <= this.cols; c++) {
        const next = new Map<string, number>();
        const alpha = c < this.cols ? this.column(lane, c, rows) : 0;
        for (let r = 0; alpha > 0 && r < H; ) {
          const k = rows[r] as number;
          let e = r + 1;
          while (e < H && rows[e] === k) e++;
          if (k >= 0) {
            const key = `${k}/${H - e}/${e - r}/${alpha}`;
            next.set(key, open.get(key) ?? c);
          }
          r = e;
        }
        for (const [key, c0] of open) if (!next.has(key)) close(key, c0, c, top);
        open = next;
      }
    }
    for (const [fill, d] of paths) out.push(`<path class="density" ${fill} d="${d.join("")}"/>`);
  }
}
