/**
 * Viewer scale benchmark (not part of `npm test`): write a trace of about N events, open it in headless Chromium and
 * report how long it takes to load (fetch + gunzip + parse + model in the worker + first draw), and how long a redraw
 * takes after zooming. Run: node --import tsx bench/viewerLoad.ts [events]
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
const s = pingScenario(Math.round((target / 4500) * 1e6), true);
const r = runScenario(s, { registry, sink: "record" });
const path = join(mkdtempSync(join(tmpdir(), "faultline-viewer-")), "big.ndjson.gz");
if (r.trace) writeTraceFile(path, r.trace);
const server = await serve(path);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const t0 = Date.now();
await page.goto(server.url);
await page.waitForFunction(() => window.faultline?.ready === true, null, { timeout: 120_000 });
const loadMs = Date.now() - t0;
const first = await page.evaluate(() => window.faultline.lastRender);
await page.locator("#main-view svg.overlay").dispatchEvent("wheel", { deltaY: -800, clientX: 700, clientY: 400 });
await page.waitForTimeout(200);
const zoomed = await page.evaluate(() => window.faultline.lastRender);
console.log(JSON.stringify({ traceEvents: r.trace?.count, loadMs, inPageLoadMs: await page.evaluate(() => Math.round(window.faultline.loadMs)), timings: await page.evaluate(() => window.faultline.timings), firstRenderMs: Math.round(first.ms), zoomedRenderMs: Math.round(zoomed.ms), arrowsDrawn: zoomed.arrows }));
await browser.close();
await server.close();
