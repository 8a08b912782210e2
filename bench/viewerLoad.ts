/**
 * Viewer scale benchmark (not part of `npm test`): write a trace of about N events, open it in headless Chromium
 * several times (a fresh browser each run, so no run reuses another's compiled code or cache), and measure
 *
 * - loading: from navigation until the first draw is done (fetch + inflate + parse + model in the worker + transfer +
 *   first draw), and the part of it spent in the page;
 * - redrawing while the user works: a scripted sequence of real input events (wheel zooms from the whole run down to
 *   a few milliseconds, shift-drag pans and cursor drags (scrubs) at each zoom level, a click that selects a lane and
 *   greys everything outside its causal cone, pans with the cone on). The page runs with ?measure, so each frame is
 *   logged with its cost including rastering the canvas and laying out the page (window.faultline.renders), and with
 *   what it drew (exact or bundled messages, messages in view, lines drawn, overlay elements).
 *
 * Frames are grouped by the zoom level they were drawn at (the nearest level to their time span). Reported per level:
 * p50 / p95 / max of full redraws, and of frames that only moved the cursor.
 *
 * BENCH_LAYOUT=lamport opens the trace in the Lamport-order layout (?layout=lamport: the load then includes computing
 * it) and runs the same session at the same fractions of the run (the whole run, then 1/11, 1/110, ... of its
 * timestamps). Each run also reports `switchMs`: switching the layout once the session is over (the other layout
 * computed the first time, plus the frame that draws it).
 * Run: node --import tsx bench/viewerLoad.ts [events] [runs]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { registry } from "../protocols/index.ts";
import { writeTraceFile } from "../sim/cli/traceFile.ts";
import { runScenario } from "../sim/world/simulation.ts";
import { launchBrowser } from "../test/e2e/browser.ts";
import { serve } from "../test/e2e/server.ts";
import { pingScenario } from "./workloads/ping.ts";

const target = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
const s = pingScenario(Math.round((target / 4500) * 1e6), true);
const r = runScenario(s, { registry, sink: "record" });
const path = join(mkdtempSync(join(tmpdir(), "faultline-viewer-")), "big.ndjson.gz");
if (r.trace) await writeTraceFile(path, r.trace);
const server = await serve(path);
const lamport = process.env.BENCH_LAYOUT === "lamport";

/** Zoom levels (time spans in microseconds) the script visits; the first is replaced by the whole run. */
const LEVELS = [0, 20_000_000, 2_000_000, 200_000, 20_000, 2_000];
/** The same levels in the Lamport layout, as fractions of the run's timestamps (222 s / 20 s / 2 s ...). */
const lamportLevels = (tMax: number) => [0, ...[11, 110, 1100, 11_000, 110_000].map((d) => tMax / d)];

/** A frame as the page logs it (RenderLog in viz/src/main.ts; the phases are missing from older builds). */
interface Frame {
  ms: number;
  full: boolean;
  span: number;
  mode: string;
  inView: number;
  arrows: number;
  overlay: number;
  layoutMs?: number;
  canvasMs?: number;
  overlayMs?: number;
}

interface Run {
  /** The run's end in the layout shown (microseconds or timestamps) and the zoom levels visited. */
  tMax: number;
  levels: number[];
  switchMs: number;
  loadMs: number;
  inPageLoadMs: number;
  timings: unknown;
  frames: Frame[];
  /** Set when the page crashed or an input failed midway. */
  error?: string;
}

const frame = (page: Page) => page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok(null))));

/**
 * The scripted session: for each level, zoom to it with the wheel, pan, scrub, select (causal cone), pan, clear.
 * Frames are collected after each level, so a page that crashes midway still reports what it drew until then.
 */
async function session(page: Page, frames: Frame[], levels: number[]): Promise<void> {
  const box = await page.locator("#main-view").boundingBox();
  if (box === null) throw new Error("no main view");
  const left = box.x + 120;
  const right = box.x + box.width - 20;
  const mid = (left + right) / 2;
  const lanes = await page.evaluate(() => window.faultline.state.model?.lanes.length ?? 1);
  const laneY = (k: number) => box.y + 28 + ((box.height - 56) / lanes) * (k + 0.5);
  const span = () => page.evaluate(() => window.faultline.state.t1 - window.faultline.state.t0);
  await page.mouse.move(mid, laneY(1));
  for (const level of levels) {
    // zoom in around the middle until the span is at most the level (about x1.4 a notch)
    await page.mouse.move(mid, laneY(1));
    for (let k = 0; k < 80 && level > 0 && (await span()) > level; k++) {
      await page.mouse.wheel(0, -250);
      await frame(page);
    }
    // pan: shift-drag right then back
    await page.keyboard.down("Shift");
    await page.mouse.move(mid, laneY(1));
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) {
      await page.mouse.move(mid + (k <= 10 ? k : 20 - k) * 25, laneY(1));
      await frame(page);
    }
    await page.mouse.up();
    await page.keyboard.up("Shift");
    // BENCH_ZOOM_ONLY=1: wheel and pans only (the viewer before dragging scrubbed took a drag for a click, which
    // selected a lane and computed its causal cone; on a 1M-event trace that did not finish in 12 minutes)
    if (process.env.BENCH_ZOOM_ONLY === "1") {
      frames.push(...((await page.evaluate(() => window.faultline.renders.splice(0) as unknown[])) as Frame[]));
      continue;
    }
    // scrub: drag the cursor across the plot
    await page.mouse.move(left + 40, laneY(0));
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) {
      await page.mouse.move(left + 40 + ((right - left - 80) * k) / 20, laneY(0));
      await frame(page);
    }
    await page.mouse.up();
    // select a lane in the middle (causal cone), pan with the cone on, clear it
    await page.mouse.click(mid, laneY(2));
    await frame(page);
    await page.keyboard.down("Shift");
    await page.mouse.down();
    for (let k = 1; k <= 6; k++) {
      await page.mouse.move(mid - k * 25, laneY(2));
      await frame(page);
    }
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await page.locator("#clear-selection").click();
    await frame(page);
    frames.push(...((await page.evaluate(() => window.faultline.renders.splice(0) as unknown[])) as Frame[]));
  }
}

async function once(): Promise<Run> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t0 = Date.now();
    await page.goto(`${server.url}&measure${lamport ? "&layout=lamport" : ""}`);
    await page.waitForFunction(() => window.faultline?.ready === true, null, { timeout: 120_000, polling: 10 });
    const loadMs = Date.now() - t0;
    const inPageLoadMs = await page.evaluate(() => Math.round(window.faultline.loadMs));
    const timings = await page.evaluate(() => window.faultline.timings);
    await page.evaluate(() => {
      window.faultline.renders = [];
    });
    const frames: Frame[] = [];
    const tMax = await page.evaluate(() => window.faultline.state.model?.tMax ?? 1);
    const levels = lamport ? lamportLevels(tMax) : LEVELS;
    const shown = { tMax, levels, loadMs, inPageLoadMs, timings, frames };
    try {
      await session(page, frames, levels);
    } catch (e) {
      return { ...shown, switchMs: Number.NaN, error: (e as Error).message.split("\n")[0] };
    }
    const switchMs = await page.evaluate(
      async (to) => {
        const t0 = performance.now();
        window.faultline.setLayout(to);
        await new Promise((ok) => requestAnimationFrame(() => ok(null)));
        return performance.now() - t0;
      },
      lamport ? ("physical" as const) : ("lamport" as const),
    );
    return { ...shown, switchMs: Math.round(switchMs) };
  } finally {
    await browser.close();
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};
const median = (xs: number[]) => quantile(xs, 0.5);
const round = (v: number) => Math.round(v * 10) / 10;

/** Per zoom level: how long frames took and what they drew. */
function byLevel(frames: Frame[], tMax: number, visited: number[]) {
  const levels = visited.map((l) => (l === 0 ? tMax : l));
  const groups = levels.map(() => [] as Frame[]);
  for (const f of frames) {
    let best = 0;
    for (let i = 1; i < levels.length; i++)
      if (Math.abs(Math.log(f.span / (levels[i] as number))) < Math.abs(Math.log(f.span / (levels[best] as number))))
        best = i;
    groups[best]?.push(f);
  }
  return levels.map((level, i) => {
    const g = groups[i] ?? [];
    const full = g.filter((f) => f.full);
    const cursor = g.filter((f) => !f.full);
    return {
      ...(lamport ? { levelTimestamps: Math.round(level) } : { levelMs: level / 1000 }),
      redraws: full.length,
      p50: round(median(full.map((f) => f.ms))),
      p95: round(
        quantile(
          full.map((f) => f.ms),
          0.95,
        ),
      ),
      max: round(Math.max(...full.map((f) => f.ms))),
      cursorOnly: cursor.length,
      cursorP50: round(median(cursor.map((f) => f.ms))),
      cursorMax: round(Math.max(0, ...cursor.map((f) => f.ms))),
      mode: [...new Set(full.map((f) => f.mode))].join("+"),
      medianInView: median(full.map((f) => f.inView)),
      medianArrows: median(full.map((f) => f.arrows)),
      maxArrows: Math.max(0, ...full.map((f) => f.arrows)),
      medianOverlay: median(full.map((f) => f.overlay)),
      // where the median frame's time went: layout, canvas (draw + raster), overlay (update + page layout)
      phases:
        `${round(median(full.map((f) => f.layoutMs ?? Number.NaN)))}/` +
        `${round(median(full.map((f) => f.canvasMs ?? Number.NaN)))}/` +
        `${round(median(full.map((f) => f.overlayMs ?? Number.NaN)))}`,
    };
  });
}

const results: Run[] = [];
for (let k = 0; k < runs; k++) {
  const one = await once();
  results.push(one);
  const all = one.frames.filter((f) => f.full).map((f) => f.ms);
  console.log(
    JSON.stringify({
      run: k + 1,
      layout: lamport ? "lamport" : "physical",
      loadMs: one.loadMs,
      inPageLoadMs: one.inPageLoadMs,
      switchMs: one.switchMs,
      timings: one.timings,
      redraws: all.length,
      p50: round(median(all)),
      p95: round(quantile(all, 0.95)),
      max: round(Math.max(...all)),
      ...(one.error ? { error: one.error } : {}),
    }),
  );
}
if (process.env.BENCH_DUMP === "1")
  for (const f of results.flatMap((x) => x.frames))
    if (f.full) console.log(JSON.stringify(f, (_, v) => (typeof v === "number" ? round(v) : v)));
const load = results.map((x) => x.loadMs);
const first = results[0];
console.log(
  JSON.stringify({
    traceEvents: r.trace?.count,
    runs,
    medianLoadMs: median(load),
    minLoadMs: Math.min(...load),
    maxLoadMs: Math.max(...load),
    medianInPageLoadMs: median(results.map((x) => x.inPageLoadMs)),
    layout: lamport ? "lamport" : "physical",
    medianSwitchMs: median(results.map((x) => x.switchMs)),
  }),
);
// Frames of every run together, per level (each run is a fresh browser, so this mixes cold and warm code alike).
console.table(
  byLevel(
    results.flatMap((x) => x.frames),
    first?.tMax ?? s.durationMicros,
    first?.levels ?? LEVELS,
  ),
);
await server.close();
