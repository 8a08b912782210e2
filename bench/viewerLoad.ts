/**
 * Viewer scale benchmark (not part of `npm test`): write a trace of about N events, open it in headless Chromium
 * several times (a fresh browser each run, so no run reuses another's compiled code or cache) and report how long it
 * takes to load: from navigation until the first draw is done (fetch + inflate + parse + model in the worker +
 * transfer + first draw), the part of it spent in the page, and how long a redraw takes after zooming.
 * Run: node --import tsx bench/viewerLoad.ts [events] [runs]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
if (r.trace) writeTraceFile(path, r.trace);
const server = await serve(path);

interface Run {
  loadMs: number;
  inPageLoadMs: number;
  timings: unknown;
  firstRenderMs: number;
  zoomedRenderMs: number;
  arrowsDrawn: number;
}

async function once(): Promise<Run> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.faultline?.ready === true, null, { timeout: 120_000, polling: 10 });
    const loadMs = Date.now() - t0;
    const first = await page.evaluate(() => window.faultline.lastRender);
    await page.locator("#main-view svg.overlay").dispatchEvent("wheel", { deltaY: -800, clientX: 700, clientY: 400 });
    await page.waitForTimeout(200);
    const zoomed = await page.evaluate(() => window.faultline.lastRender);
    const inPageLoadMs = await page.evaluate(() => Math.round(window.faultline.loadMs));
    const timings = await page.evaluate(() => window.faultline.timings);
    return { loadMs, inPageLoadMs, timings, firstRenderMs: Math.round(first.ms), zoomedRenderMs: Math.round(zoomed.ms), arrowsDrawn: zoomed.arrows };
  } finally {
    await browser.close();
  }
}

const results: Run[] = [];
for (let k = 0; k < runs; k++) {
  const one = await once();
  results.push(one);
  console.log(JSON.stringify({ run: k + 1, ...one }));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};
const load = results.map((x) => x.loadMs);
console.log(
  JSON.stringify({
    traceEvents: r.trace?.count,
    runs,
    medianLoadMs: median(load),
    minLoadMs: Math.min(...load),
    maxLoadMs: Math.max(...load),
    medianInPageLoadMs: median(results.map((x) => x.inPageLoadMs)),
    medianFirstRenderMs: median(results.map((x) => x.firstRenderMs)),
    medianZoomedRenderMs: median(results.map((x) => x.zoomedRenderMs)),
  }),
);
await server.close();
