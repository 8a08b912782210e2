/**
 * A batch of dense drawing items grouped by style: line segments, filled rectangles and x marks, kept in typed
 * buffers that are reused from frame to frame. The canvas draws each style with one path (one stroke call) or a run
 * of fillRects; the SVG export writes one element per item, so an exported view can still be picked apart.
 *
 * Measured in headless Chromium (software canvas): a path of 1,000 one-pixel lines rasters in ~3 ms, the same path
 * 1.5 px wide in ~24 ms and dashed by setLineDash in ~30-190 ms. So dense styles are one pixel wide, and dashes are
 * cut by hand into the path (3 on, 2 off costs ~2 ms for 300 half-length arrows).
 */

export interface BatchStyle {
  shape: "line" | "rect" | "x";
  color: string;
  /** Stroke width (lines, x marks). */
  width: number;
  alpha: number;
  dash: readonly number[] | null;
  /** Class of the SVG elements (the export and golden files). */
  cls: string;
}

const INITIAL_ITEMS = 256;

export class Batch {
  readonly styles: BatchStyle[] = [];
  private readonly byKey = new Map<string, number>();
  private data: Float32Array[] = [];
  private counts: number[] = [];

  /** The id of a style (registered on first use; ids stay valid across reset). */
  style(s: BatchStyle): number {
    const key = `${s.shape}|${s.color}|${s.width}|${s.alpha}|${s.dash?.join(",") ?? ""}|${s.cls}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.styles.length;
      this.styles.push(s);
      this.byKey.set(key, id);
      this.data.push(new Float32Array(INITIAL_ITEMS * 4));
      this.counts.push(0);
    }
    return id;
  }

  /** Forget the items (keep the styles and the buffers). */
  reset(): void {
    this.counts.fill(0);
  }

  /** Items of a style. */
  count(style: number): number {
    return this.counts[style] ?? 0;
  }

  /** Items of every style. */
  get size(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  /** A line (x1, y1, x2, y2), a rectangle (x, y, w, h) or an x mark (x, y, size, 0), by the style's shape. */
  add(style: number, a: number, b: number, c: number, d: number): void {
    const n = this.counts[style] as number;
    let buf = this.data[style] as Float32Array;
    if ((n + 1) * 4 > buf.length) {
      const bigger = new Float32Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
      this.data[style] = buf;
    }
    const o = n * 4;
    buf[o] = a;
    buf[o + 1] = b;
    buf[o + 2] = c;
    buf[o + 3] = d;
    this.counts[style] = n + 1;
  }

  /** Draw every style in registration order: one path per line or x style, fillRects for rectangles. */
  draw(ctx: CanvasRenderingContext2D): void {
    for (let s = 0; s < this.styles.length; s++) {
      const n = this.counts[s] as number;
      if (n === 0) continue;
      const st = this.styles[s] as BatchStyle;
      const buf = this.data[s] as Float32Array;
      ctx.globalAlpha = st.alpha;
      if (st.shape === "rect") {
        ctx.fillStyle = st.color;
        for (let i = 0; i < n * 4; i += 4)
          ctx.fillRect(buf[i] as number, buf[i + 1] as number, buf[i + 2] as number, buf[i + 3] as number);
        continue;
      }
      ctx.strokeStyle = st.color;
      ctx.lineWidth = st.width;
      ctx.beginPath();
      if (st.shape === "line" && st.dash !== null) {
        for (let i = 0; i < n * 4; i += 4)
          dashed(ctx, buf[i] as number, buf[i + 1] as number, buf[i + 2] as number, buf[i + 3] as number, st.dash);
      } else if (st.shape === "line") {
        for (let i = 0; i < n * 4; i += 4) {
          ctx.moveTo(buf[i] as number, buf[i + 1] as number);
          ctx.lineTo(buf[i + 2] as number, buf[i + 3] as number);
        }
      } else {
        for (let i = 0; i < n * 4; i += 4) {
          const x = buf[i] as number;
          const y = buf[i + 1] as number;
          const r = buf[i + 2] as number;
          ctx.moveTo(x - r, y - r);
          ctx.lineTo(x + r, y + r);
          ctx.moveTo(x - r, y + r);
          ctx.lineTo(x + r, y - r);
        }
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  /** The items as SVG elements, one per item, in the order draw() paints them. */
  svg(out: string[]): void {
    const r2 = (v: number) => Math.round(v * 100) / 100;
    for (let s = 0; s < this.styles.length; s++) {
      const n = this.counts[s] as number;
      const st = this.styles[s] as BatchStyle;
      const buf = this.data[s] as Float32Array;
      const opacity = st.alpha !== 1 ? ` ${st.shape === "rect" ? "fill" : "stroke"}-opacity="${st.alpha}"` : "";
      const dash = st.dash ? ` stroke-dasharray="${st.dash.join(",")}"` : "";
      for (let i = 0; i < n * 4; i += 4) {
        const [a, b, c, d] = [
          r2(buf[i] as number),
          r2(buf[i + 1] as number),
          r2(buf[i + 2] as number),
          r2(buf[i + 3] as number),
        ];
        if (st.shape === "line")
          out.push(
            `<line class="${st.cls}" x1="${a}" y1="${b}" x2="${c}" y2="${d}" stroke="${st.color}" ` +
              `stroke-width="${st.width}"${opacity}${dash}/>`,
          );
        else if (st.shape === "rect")
          out.push(
            `<rect class="${st.cls}" x="${a}" y="${b}" width="${c}" height="${d}" fill="${st.color}"${opacity}/>`,
          );
        else
          out.push(
            `<path class="${st.cls}" ` +
              `d="M${r2(a - c)},${r2(b - c)}L${r2(a + c)},${r2(b + c)}M${r2(a - c)},${r2(b + c)}L${r2(a + c)}` +
              `,${r2(b - c)}" stroke="${st.color}" stroke-width="${st.width}" fill="none"${opacity}/>`,
          );
      }
    }
  }
}

/** A dashed line added to the current path as its dashes (pattern: on, off, on, off...). */
function dashed(
  ctx: CanvasRenderingContext2D,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  pattern: readonly number[],
): void {
  const len = Math.hypot(x2 - x1, y2 - y1);
  if (len === 0) return;
  const ux = (x2 - x1) / len;
  const uy = (y2 - y1) / len;
  let at = 0;
  for (let k = 0; at < len; k++) {
    const step = pattern[k % pattern.length] as number;
    if (step <= 0) break;
    const end = Math.min(len, at + step);
    if (k % 2 === 0) {
      ctx.moveTo(x1 + ux * at, y1 + uy * at);
      ctx.lineTo(x1 + ux * end, y1 + uy * end);
    }
    at = end;
  }
}

/**
 * Clip the segment in seg[0..4) (x1, y1, x2, y2) to xMin <= x <= xMax, in place; false if none of it is inside.
 * (x1 <= x2 is not required.)
 */
export function clipSegment(seg: Float64Array, xMin: number, xMax: number): boolean {
  const flip = (seg[0] as number) > (seg[2] as number);
  let x1 = seg[flip ? 2 : 0] as number;
  let y1 = seg[flip ? 3 : 1] as number;
  let x2 = seg[flip ? 0 : 2] as number;
  let y2 = seg[flip ? 1 : 3] as number;
  if (x2 < xMin || x1 > xMax) return false;
  if (x1 < xMin) {
    y1 += ((y2 - y1) * (xMin - x1)) / (x2 - x1);
    x1 = xMin;
  }
  if (x2 > xMax) {
    y2 = y1 + ((y2 - y1) * (xMax - x1)) / (x2 - x1);
    x2 = xMax;
  }
  seg[0] = x1;
  seg[1] = y1;
  seg[2] = x2;
  seg[3] = y2;
  return true;
}
