/**
 * The minimap: events per time bin over the whole run, violations as red lines, the window in view as a box and the
 * cursor. The histogram is drawn once per model and width into an offscreen canvas; a frame copies it and adds the box.
 */
import type { Model } from "./model.ts";

export const MINIMAP_HEIGHT = 46;

export class Minimap {
  private cache: HTMLCanvasElement | null = null;
  private cacheKey: { model: Model | null; width: number; end: number } = { model: null, width: 0, end: 0 };

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** The run's events over [0, end] (end: where the time axis ends, at least the run's end), the window and cursor. */
  draw(model: Model, end: number, t0: number, t1: number, cursor: number): void {
    const w = this.canvas.clientWidth || 800;
    const h = MINIMAP_HEIGHT;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.canvas.getContext("2d") as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(this.histogram(model, w, end), 0, 0);
    const tMax = Math.max(1, end);
    ctx.fillStyle = "rgba(31, 41, 51, 0.08)";
    ctx.fillRect((t0 / tMax) * w, 0, Math.max(3, ((t1 - t0) / tMax) * w), h);
    ctx.strokeStyle = "#1f2933";
    ctx.lineWidth = 1.5;
    ctx.strokeRect((t0 / tMax) * w, 1, Math.max(3, ((t1 - t0) / tMax) * w), h - 2);
    ctx.fillStyle = "#1f2933";
    ctx.fillRect(Math.round((cursor / tMax) * w) - 0.5, 0, 1, h);
  }

  /** Time at a horizontal position (client coordinates), on an axis ending at `end`. */
  timeAt(end: number, clientX: number): number {
    const rect = this.canvas.getBoundingClientRect();
    return Math.max(0, Math.min(1, (clientX - rect.left) / Math.max(1, rect.width))) * end;
  }

  private histogram(model: Model, w: number, end: number): HTMLCanvasElement {
    if (this.cache !== null && this.cacheKey.model === model && this.cacheKey.width === w && this.cacheKey.end === end)
      return this.cache;
    const c = this.cache ?? document.createElement("canvas");
    c.width = w;
    c.height = MINIMAP_HEIGHT;
    const ctx = c.getContext("2d") as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, w, MINIMAP_HEIGHT);
    const h = MINIMAP_HEIGHT;
    const bins = new Float64Array(Math.max(1, Math.floor(w / 2)));
    const perBin = bins.length / Math.max(1, end);
    for (let k = 0; k < model.evT.length; k++) {
      const b = Math.min(bins.length - 1, Math.floor((model.evT[k] as number) * perBin));
      bins[b] = (bins[b] as number) + 1;
    }
    let max = 1;
    for (const v of bins) max = Math.max(max, v);
    ctx.fillStyle = "#9fb3c8";
    bins.forEach((v, i) => {
      ctx.fillRect(i * 2, h - (v / max) * (h - 6), 2, (v / max) * (h - 6));
    });
    ctx.fillStyle = "#c0392b";
    for (const v of model.violations) ctx.fillRect((v.t / Math.max(1, end)) * w - 1, 0, 2, h);
    this.cache = c;
    this.cacheKey = { model, width: w, end };
    return c;
  }
}
