/**
 * The screenshots in docs/viewer.md, taken in headless Chromium: `node --import tsx test/e2e/screenshots.ts DIR`
 * (DIR defaults to docs/img). Each trace is simulated here, served by the view server and put in the state shown.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { registry } from "../../protocols/index.ts";
import { writeTraceFile } from "../../sim/cli/traceFile.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { launchBrowser } from "./browser.ts";
import { serve } from "./server.ts";

const root = resolve(import.meta.dirname, "../..");
const out = resolve(process.argv[2] ?? join(root, "docs/img"));
const tmp = mkdtempSync(join(tmpdir(), "faultline-shots-"));

async function trace(file: string, seed: number, bugs: string[] = []): Promise<string> {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const r = runScenario(s, { registry, seed, bugs, sink: "record" });
  const path = join(tmp, `${file}-${seed}.ndjson.gz`);
  if (r.trace) await writeTraceFile(path, r.trace);
  return path;
}

async function shoot(page: Page, path: string, setup: (page: Page) => Promise<void>, name: string): Promise<void> {
  const server = await serve(path);
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => window.faultline?.ready === true, null, { timeout: 60_000 });
    await setup(page);
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    await page.screenshot({ path: join(out, name) });
    console.log(join(out, name));
  } finally {
    await server.close();
  }
}

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const figure8 = await trace("raft-figure8.yaml", 1, ["commit-old-term"]);
  await shoot(
    page,
    figure8,
    async (p) => {
      await p.locator("#violations .violation-item").first().click();
      // the inspector folded, so the whole explanation shows in the sidebar
      await p.locator("details:has(#inspector) summary").click();
    },
    "viewer-figure8-explained.png",
  );
  await shoot(
    page,
    figure8,
    async (p) => {
      const t = await p.evaluate(() => window.faultline.state.model?.commits.find((c) => c.index >= 13)?.t ?? 0);
      await p.evaluate((at) => window.faultline.zoomTo(Math.max(0, at - 1_500_000), at + 500_000), t);
      await p.evaluate((at) => window.faultline.setCursor(at), t);
    },
    "viewer-raft-log-panel.png",
  );
  const blocking = await trace("2pc-coordinator-crash.yaml", 1);
  await shoot(
    page,
    blocking,
    async (p) => {
      // the coordinator n1 is down from 6.5 s to 8 s: participants that voted yes wait, prepared (blocked)
      await p.evaluate(() => window.faultline.zoomTo(6_300_000, 8_300_000));
      await p.evaluate(() => window.faultline.setCursor(7_600_000));
    },
    "viewer-2pc-blocking.png",
  );
  // two proposers share ballot 7 (non-unique-ballot): slot 5 gets r7 from n1,n2,n5 and r8 from n1,n4,n5
  const agreement = await trace("paxos-dueling.yaml", 2, ["non-unique-ballot"]);
  await shoot(
    page,
    agreement,
    async (p) => {
      await p.locator("#violations .violation-item").first().click();
      await p.locator("details:has(#inspector) summary").click();
    },
    "viewer-paxos-agreement.png",
  );
  // the same figure8 run in Lamport order, its violation explained
  await shoot(
    page,
    figure8,
    async (p) => {
      await p.selectOption("#layout", "lamport");
      await p.locator("#violations .violation-item").first().click();
      await p.locator("details:has(#inspector) summary").click();
    },
    "viewer-figure8-lamport.png",
  );
  // a stale backup read: the checker's minimal counterexample marked on the client ops
  const stale = await trace("register-primary-backup.yaml", 1, ["stale-backup-read"]);
  await shoot(
    page,
    stale,
    async (p) => {
      await p.locator("#violations .violation-item").first().click();
      await p.locator("details:has(#inspector) summary").click();
    },
    "viewer-linearizability-counterexample.png",
  );
} finally {
  await browser.close();
}
