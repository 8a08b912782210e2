import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Density } from "../../viz/src/density.ts";

/** Paint the SVG export's paths into cells (lane, row, column) -> "r,g,b,alpha"; a cell painted twice is an error. */
function rasterize(svg: string[], top: Float64Array, stripH: number, x0: number, colPx: number): Map<string, string> {
  const cells = new Map<string, string>();
  for (const el of svg) {
    const fill = /fill="rgb\((\d+),(\d+),(\d+)\)" fill-opacity="([\d.]+)"/.exec(el);
    if (fill === null) throw new Error(`no fill: ${el}`);
    for (const m of el.matchAll(/M([\d.-]+) ([\d.-]+)h([\d.-]+)v(\d+)h([\d.-]+)z/g)) {
      const [x, y, w, h] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      const lane = top.findIndex((t) => y >= t && y < t + stripH);
      for (let row = y - (top[lane] as number); row < y - (top[lane] as number) + h; row++) {
        for (let c = (x - x0) / colPx; c < (x + w - x0) / colPx; c++) {
          const key = `${lane}/${row}/${c}`;
          if (cells.has(key)) throw new Error(`cell ${key} painted twice`);
          cells.set(key, `${fill[1]},${fill[2]},${fill[3]},${fill[4]}`);
        }
      }
    }
  }
  return cells;
}

describe("density strips in the SVG export", () => {
  fcTest.prop([
    fc.array(fc.record({ lane: fc.nat(2), kind: fc.nat(3), col: fc.nat(39), n: fc.integer({ min: 1, max: 50 }) }), {
      maxLength: 200,
    }),
  ])("paint exactly the pixels the canvas draws, in the same colours and shades", (adds) => {
    const d = new Density(3);
    const top = Float64Array.from([10, 40, 70]);
    const stripH = 8;
    d.reset(1000, 0, 40, 100, 2, top, stripH, 0, 10_000);
    for (const a of adds) d.add(a.lane, a.kind, a.col, a.n);
    d.finish();
    const svg: string[] = [];
    d.svg(svg);
    const cells = rasterize(svg, top, stripH, 100, 2);
    const px = (d as unknown as { paint(): Uint8ClampedArray }).paint();
    const want = new Map<string, string>();
    for (let lane = 0; lane < 3; lane++) {
      for (let row = 0; row < stripH; row++) {
        for (let c = 0; c < 40; c++) {
          const o = ((lane * stripH + row) * 40 + c) * 4;
          if ((px[o + 3] as number) > 0)
            want.set(
              `${lane}/${row}/${c}`,
              `${px[o]},${px[o + 1]},${px[o + 2]},${Math.round(((px[o + 3] as number) / 255) * 100) / 100}`,
            );
        }
      }
    }
    expect(cells).toEqual(want);
    // one path per colour and shade
    const fills = svg.map((el) => /fill="[^"]+" fill-opacity="[^"]+"/.exec(el)?.[0]);
    expect(new Set(fills).size).toBe(svg.length);
  });
});
