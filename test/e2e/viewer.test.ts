import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { writeTraceFile } from "../../sim/cli/traceFile.ts";
import type { ViewServer } from "../../sim/cli/viewServer.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { toChromeTrace, toJepsenHistory, toShiViz } from "../../sim/trace/export/index.ts";
import { parseTrace } from "../../sim/trace/reader.ts";
import { pingScenario } from "../../bench/workloads/ping.ts";
import { launchBrowser } from "./browser.ts";
import { serve } from "./server.ts";

const root = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "faultline-e2e-"));
const scenario = (name: string) =>
  parseScenario(readFileSync(resolve(root, "scenarios", name), "utf8"), name, registry);

/** A trace with a violation: Figure 8 with the commit-old-term bug. */
async function violatingTrace(): Promise<string> {
  const r = runScenario(scenario("raft-figure8.yaml"), {
    registry,
    seed: 1,
    bugs: ["commit-old-term"],
    sink: "record",
  });
  const path = join(tmp, "figure8.ndjson.gz");
  if (r.trace) await writeTraceFile(path, r.trace);
  return path;
}

/** A trace whose note carries markup: it must show literally, never as HTML. */
function hostileTrace(): string {
  const r = runScenario({ ...scenario("demo.yaml"), durationMicros: 3_000_000 }, { registry, seed: 2, sink: "record" });
  const lines = (r.trace?.toNdjson() ?? "").trimEnd().split("\n");
  const footer = JSON.parse(lines.pop() as string);
  const payload = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;
  const note = { t: footer.t, k: "note", n: "n1", text: payload };
  lines.push(JSON.stringify(note), JSON.stringify({ ...footer, events: footer.events + 1 }));
  const path = join(tmp, "hostile.ndjson");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** A short 2PC trace: few enough transactions in view that each is drawn as a group. */
async function twoPcTrace(): Promise<string> {
  const r = runScenario(
    { ...scenario("2pc-basic.yaml"), durationMicros: 300_000 },
    { registry, seed: 2, sink: "record" },
  );
  const path = join(tmp, "2pc.ndjson.gz");
  if (r.trace) await writeTraceFile(path, r.trace);
  return path;
}

/** About 50K events: more messages than the viewer draws one by one at the whole-run view. */
async function largeTrace(): Promise<string> {
  const r = runScenario(pingScenario(11_000_000, true), { registry, seed: 1, sink: "record" });
  const path = join(tmp, "large.ndjson.gz");
  if (r.trace) await writeTraceFile(path, r.trace);
  return path;
}

let figure8: string;
let browser: Browser;
let server: ViewServer;
let page: Page;

async function open(url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.faultline?.ready === true, null, { timeout: 60_000 });
}
const cursor = () => page.evaluate(() => window.faultline.state.cursor);
const view = () =>
  page.evaluate(() => ({
    t0: window.faultline.state.t0,
    t1: window.faultline.state.t1,
    tMax: window.faultline.state.model?.tMax ?? 0,
  }));
/**
 * The plot's left and right edges and a lane's y, in page coordinates (render.ts: LABEL_WIDTH, RIGHT_PAD, AXIS_HEIGHT,
 * FOOTER_HEIGHT).
 */
async function plot(lane = 0) {
  const box = await page.locator("#main-view").boundingBox();
  if (box === null) throw new Error("no main view");
  const lanes = await page.evaluate(() => window.faultline.state.model?.lanes.length ?? 1);
  return {
    left: box.x + 120,
    right: box.x + box.width - 20,
    y: box.y + 28 + ((box.height - 56) / lanes) * (lane + 0.5),
  };
}
const frame = () =>
  page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(null)))));

beforeAll(async () => {
  figure8 = await violatingTrace();
  server = await serve(figure8);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page.on("dialog", (d) => void d.dismiss());
  await open(server.url);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("viewer in headless Chromium", () => {
  it("draws one lane per node and client, message arrows and the violation markers", async () => {
    expect(await page.locator("svg.overlay text.lane").count()).toBe(5 + 3);
    expect(Number(await page.locator("#main-view canvas").getAttribute("data-arrows"))).toBeGreaterThan(100);
    expect(await page.locator("#main-view .violation-marker").count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator("#violations .violation-item").first().textContent())
      .toMatch(/raft\.leader-completeness/);
    await page.screenshot({ path: join(tmp, "viewer.png") });
  });

  it("outlines the legend's pale swatches (term tints, down time, partitions) against its background", async () => {
    const term = page.locator(".legend-item", { hasText: "term (tint per term)" }).locator(".swatch");
    expect(await term.count()).toBe(3);
    for (const item of ["term (tint per term)", "down", "partition"]) {
      const shadow = await page
        .locator(".legend-item", { hasText: item })
        .locator(".swatch")
        .first()
        .evaluate((e) => getComputedStyle(e).boxShadow);
      expect(shadow).toMatch(/inset/);
    }
  });

  it("jumps to a violation, steps between events and scrubs with the minimap", async () => {
    await page.locator("#violations .violation-item").first().click();
    const atViolation = await cursor();
    expect(atViolation).toBeGreaterThan(0);
    // the cursor's text is written by the next frame
    await expect.poll(() => page.locator("#cursor").textContent()).not.toBe("t = 0us");
    await expect.poll(() => page.locator("#inspector .inspector-table").count()).toBe(1);
    // The run stopped at the violation: step back, then forward again.
    await page.locator("#step-prev").click();
    const before = await cursor();
    expect(before).toBeLessThan(atViolation);
    await page.locator("#step-next").click();
    const after = await cursor();
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThanOrEqual(atViolation);
    await page.locator("#reset-zoom").click();
    const t0Before = await page.evaluate(() => window.faultline.state.t0);
    await page.locator("#main-view svg.overlay").dispatchEvent("wheel", { deltaY: -600, clientX: 700, clientY: 400 });
    await expect
      .poll(() => page.evaluate(() => window.faultline.state.t1 - window.faultline.state.t0))
      .toBeLessThan(await page.evaluate(() => window.faultline.state.model?.tMax ?? 0));
    const box = await page.locator("#minimap").boundingBox();
    if (box) await page.mouse.click(box.x + box.width * 0.8, box.y + 10);
    expect(await page.evaluate(() => window.faultline.state.t0)).toBeGreaterThan(t0Before);
  });

  it("ends the run where the trace stopped (at the violation), not at its planned duration", async () => {
    const v = await page.evaluate(() => ({
      tMax: window.faultline.state.model?.tMax,
      violation: window.faultline.state.model?.violations[0]?.t,
      planned: window.faultline.state.model?.header.scenario.durationMicros,
    }));
    expect(v.tMax).toBe(v.violation);
    expect(v.tMax).toBeLessThan(v.planned as number);
    expect(await page.locator("#trace-title").textContent()).toMatch(/stopped: violation/);
  });

  it("selects the violation's lane when its marker is clicked (the cursor line does not take the click)", async () => {
    await page.locator("#violations .violation-item").first().click();
    await page.locator("#clear-selection").click();
    await frame();
    await page.locator("#main-view svg.overlay g.violation-marker").first().click();
    const lane = await page.evaluate(() => window.faultline.state.model?.violations[0]?.lane);
    await expect.poll(() => page.evaluate(() => window.faultline.state.selection?.lane)).toBe(lane);
    expect(await page.locator("#inspector .inspector-cone").textContent()).toMatch(/happened-before n5 at/);
    expect(await page.locator("#step-scope").textContent()).toBe("of n5");
    await expect
      .poll(() => page.locator("#main-view canvas").getAttribute("data-legend"))
      .toMatch(/^messages: each drawn/);
  });

  it("explains the violation: the events its evidence names, listed and marked, and a node state panel", async () => {
    await page.locator("#violations .violation-item").first().click();
    const items = page.locator("#violations .evidence-item");
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(3);
    const texts = await items.allTextContents();
    expect(texts.some((t) => /n1 committed entry 13 \(term 1\) as leader of term 3/.test(t))).toBe(true);
    expect(texts.some((t) => /n5 elected leader of term 4/.test(t))).toBe(true);
    await expect.poll(() => page.locator("#main-view svg.overlay g.evidence").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("#inspector .inspector-cone").textContent()).toMatch(/events the violation names/);
    // the state panel: each node's log at the cursor, the leader's follower progress
    expect(await page.locator("#state-panel").isVisible()).toBe(true);
    await expect.poll(() => page.locator("#state-panel .log-row").count()).toBe(5);
    expect(await page.locator('#state-panel .log-row[data-node="n5"] text').first().textContent()).toMatch(/leader/);
    await items.filter({ hasText: "committed entry 13" }).click();
    await expect
      .poll(() => page.locator('#state-panel .log-row[data-node="n1"] text').first().textContent())
      .toMatch(/^n1 leader t3/);
    expect(await page.locator("#state-panel").textContent()).toMatch(/match 18 · next 19/);
  });

  it(
    "switches to Lamport order and back: arrows between lanes, the address keeps it, and the cursor, selection " +
      "and scrubbing follow",
    async () => {
      await page.evaluate(() => window.faultline.zoomTo(3_000_000, 4_000_000));
      await page.evaluate(() => window.faultline.setCursor(3_500_000));
      await frame();
      const { left, right, y } = await plot(2);
      await page.mouse.click((left + right) / 2, y);
      // a lane at a time, or a message passing there: either stays selected
      const before = await page.evaluate(() => window.faultline.state.selection);
      if (before === null) throw new Error("the click selected nothing");
      await page.selectOption("#layout", "lamport");
      await frame();
      expect(new URL(page.url()).searchParams.get("layout")).toBe("lamport");
      const lamport = await page.evaluate(() => {
        const s = window.faultline.state;
        const m = s.model;
        let backwards = 0;
        for (let k = 0; m !== null && k < m.msgCount; k++)
          if (m.msgStatus[k] === 0 && (m.msgT1[k] as number) <= (m.msgT0[k] as number)) backwards++;
        return {
          clock: m?.clock,
          tMax: m?.tMax ?? 0,
          t0: s.t0,
          t1: s.t1,
          cursor: s.cursor,
          sel: s.selection,
          backwards,
        };
      });
      expect(lamport.clock).toBe("lamport");
      expect(lamport.backwards).toBe(0);
      // the window and cursor kept their place: whole timestamps inside the run, the cursor inside the window
      expect(lamport.tMax).toBeLessThan(5000);
      expect(lamport.t0).toBeGreaterThan(0);
      expect(lamport.cursor).toBeGreaterThan(lamport.t0);
      expect(lamport.cursor).toBeLessThan(lamport.t1);
      expect(lamport.sel?.lane).toBe(before.lane);
      expect(lamport.sel?.message).toBe(before.message);
      expect(await page.locator("#cursor").textContent()).toMatch(/^cursor = L [\d,]+$/);
      expect(Number(await page.locator("#main-view canvas").getAttribute("data-arrows"))).toBeGreaterThan(20);
      if (before.message === undefined)
        expect(await page.locator("#inspector .inspector-head").textContent()).toMatch(/^n\d \(dc1\) at L [\d,]+$/);
      expect(await page.locator("#state-panel").textContent()).toMatch(/node state at t = L [\d,]+/);
      // scrubbing moves the cursor in timestamps
      await page.mouse.move(left + 50, y);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(left + 50 + ((right - left - 100) * k) / 10, y);
      await page.mouse.up();
      await frame();
      expect(await cursor()).toBeGreaterThan(lamport.t1 - (lamport.t1 - lamport.t0) * 0.1);
      // a reload opens in the same layout
      await open(page.url());
      expect(await page.evaluate(() => window.faultline.state.model?.clock)).toBe("lamport");
      expect(await page.locator("#layout").inputValue()).toBe("lamport");
      await page.selectOption("#layout", "physical");
      await frame();
      expect(new URL(page.url()).searchParams.has("layout")).toBe(false);
      expect(await page.evaluate(() => window.faultline.state.model?.clock)).toBeUndefined();
      await page.locator("#clear-selection").click();
    },
  );

  it("explains the violation in Lamport order too: its evidence listed and marked in timestamps", async () => {
    await page.selectOption("#layout", "lamport");
    await page.locator("#violations .violation-item").first().click();
    const items = page.locator("#violations .evidence-item");
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(3);
    const texts = await items.allTextContents();
    expect(texts.every((t) => /^L [\d,]+ /.test(t))).toBe(true);
    const stamps = texts.map((t) => Number(/^L ([\d,]+)/.exec(t)?.[1]?.replaceAll(",", "")));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(texts.some((t) => /n1 committed entry 13 \(term 1\) as leader of term 3/.test(t))).toBe(true);
    await expect.poll(() => page.locator("#main-view svg.overlay g.evidence").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("#inspector .inspector-cone").textContent()).toMatch(/events the violation names/);
    const sel = await page.evaluate(() => window.faultline.state.selection);
    expect(sel?.evidence?.length).toBe(texts.length);
    // the state panel at the cursor: the consistent cut of everything up to the violation's timestamp
    expect(await page.locator('#state-panel .log-row[data-node="n5"] text').first().textContent()).toMatch(/leader/);
    // switching back keeps the violation selected, in simulated time
    await page.selectOption("#layout", "physical");
    await frame();
    const back = await page.evaluate(() => window.faultline.state.selection?.evidence?.map((e) => e.t) ?? []);
    expect(back.length).toBe(texts.length);
    expect(Math.max(...back)).toBeGreaterThan(1_000_000);
    expect((await items.first().textContent()) ?? "").toMatch(/^\d+(\.\d+)?(s|ms) /);
    await page.locator("#clear-selection").click();
  });

  it("marks a linearizability violation's counterexample ops on the diagram and lists them", async () => {
    const r = runScenario(scenario("register-primary-backup.yaml"), {
      registry,
      seed: 1,
      bugs: ["stale-backup-read"],
      sink: "record",
    });
    const path = join(tmp, "register-stale.ndjson.gz");
    if (r.trace) await writeTraceFile(path, r.trace);
    const stale = await serve(path);
    try {
      await open(stale.url);
      await page.locator("#violations .violation-item").first().click();
      const items = page.locator("#violations .evidence-item");
      await expect.poll(() => items.count()).toBe(3);
      const texts = await items.allTextContents();
      expect(texts[0]).toMatch(/ c1 r75 write k0 c1:23 -> ok/);
      expect(texts[2]).toMatch(/ c3 r118 read k0 -> ok "c1:23"/);
      expect(await page.locator("#violations .explanation-note").textContent()).toMatch(/minimal counterexample/);
      const marks = page.locator("#main-view svg.overlay g.evidence");
      await expect.poll(() => marks.count()).toBe(3);
      // the window shows the ops, not the whole run
      const v = await view();
      expect(v.t1 - v.t0).toBeLessThan(v.tMax / 2);
      const sel = await page.evaluate(() => window.faultline.state.selection);
      expect(sel?.evidence?.every((e) => e.since !== undefined && e.since < e.t)).toBe(true);
      // its marker (at the end of the run, on no lane) does the same as the list
      await page.locator("#clear-selection").click();
      await page.locator("#reset-zoom").click();
      await frame();
      await page.locator("#main-view svg.overlay g.violation-marker").first().click();
      await expect.poll(() => page.evaluate(() => window.faultline.state.selection?.evidence?.length)).toBe(3);
      // the same in Lamport order
      await page.selectOption("#layout", "lamport");
      await expect.poll(() => marks.count()).toBe(3);
      expect((await items.first().textContent()) ?? "").toMatch(/^L [\d,]+ c1 r75 write/);
      await page.selectOption("#layout", "physical");
    } finally {
      await stale.close();
      await open(server.url);
    }
  });

  it("shows a clicked message's type, ends, times and fields, drawn thick with an arrowhead", async () => {
    const k = await page.evaluate(() => {
      const m = window.faultline.state.model;
      if (!m) return -1;
      for (let i = 0; i < m.msgCount; i++)
        if (m.types[m.msgType[i] as number] === "append" && m.msgStatus[i] === 0 && (m.msgT1[i] as number) > 1e6)
          if (Math.abs((m.msgTo[i] as number) - (m.msgFrom[i] as number)) >= 2) return i;
      return -1;
    });
    expect(k).toBeGreaterThanOrEqual(0);
    const msg = await page.evaluate((i) => {
      const m = window.faultline.state.model;
      return { t0: m?.msgT0[i] ?? 0, t1: m?.msgT1[i] ?? 0, from: m?.msgFrom[i] ?? 0, to: m?.msgTo[i] ?? 0 };
    }, k);
    const span = (msg.t1 - msg.t0) * 10;
    await page.evaluate(
      ([a, b]) => window.faultline.zoomTo(a as number, b as number),
      [msg.t0 - span / 2, msg.t0 + span / 2],
    );
    await frame();
    const a = await plot(msg.from);
    const b = await plot(msg.to);
    const x = (t: number) => a.left + ((a.right - a.left) * (t - (msg.t0 - span / 2))) / span;
    // the middle of the arrow
    await page.mouse.click((x(msg.t0) + x(msg.t1)) / 2, (a.y + b.y) / 2);
    await expect
      .poll(() => page.locator("#inspector .message-table").textContent())
      .toMatch(/messageappend n\d -> n\d/);
    await expect.poll(() => page.locator("#inspector .message-fields").textContent()).toMatch(/entries/);
    expect(await page.evaluate(() => window.faultline.state.selection?.message)).toBe(k);
    await page.locator("#clear-selection").click();
  });

  it("says what down time means on hover, and wraps inspector values between words", async () => {
    const d = await page.evaluate(() => window.faultline.state.model?.down[0]);
    if (d === undefined) throw new Error("figure8 has down time");
    await page.evaluate(
      ([a, b]) => window.faultline.zoomTo(a as number, b as number),
      [d.t0 - 100_000, d.t1 + 100_000],
    );
    await frame();
    const p = await plot(d.lane);
    const x = p.left + ((p.right - p.left) * 100_000) / (d.t1 - d.t0 + 200_000) + 5;
    await page.mouse.move(x, p.y - 8);
    await expect.poll(() => page.locator(".tooltip").textContent()).toMatch(/down from/);
    await page.mouse.click(x, p.y);
    const td = page.locator("#inspector .inspector-table td").nth(1);
    expect(await td.evaluate((e) => getComputedStyle(e).wordBreak)).not.toBe("break-all");
  });

  it("pans within the run: dragging past its start keeps the window's width", async () => {
    await page.evaluate(() => window.faultline.zoomTo(1_000_000, 2_000_000));
    await frame();
    const { left, y } = await plot(1);
    await page.keyboard.down("Shift");
    await page.mouse.move(left + 100, y);
    await page.mouse.down();
    // 1,200 px to the right: more than the 1 s window's distance from the start
    for (let k = 1; k <= 12; k++) await page.mouse.move(left + 100 + k * 100, y);
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await expect.poll(async () => (await view()).t0).toBe(0);
    expect((await view()).t1).toBeCloseTo(1_000_000, -3);
  });

  it("scrubs the cursor by dragging across the diagram, without selecting", async () => {
    await page.locator("#clear-selection").click();
    await page.evaluate(() => window.faultline.zoomTo(2_000_000, 4_000_000));
    await frame();
    const { left, right, y } = await plot(0);
    await page.mouse.move(left + 50, y);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(left + 50 + ((right - left - 100) * k) / 10, y);
    await page.mouse.up();
    await frame();
    expect(await cursor()).toBeGreaterThan(3_800_000);
    expect(await page.evaluate(() => window.faultline.state.selection)).toBeNull();
    expect(await view()).toMatchObject({ t0: 2_000_000, t1: 4_000_000 });
  });

  it("shows a client op's operation and outcome when its bar is hovered", async () => {
    const op = await page.evaluate(() => {
      const m = window.faultline.state.model;
      const o = m?.ops.find((x) => x.outcome === "ok" && x.t1 - x.t0 > 50_000);
      return o === undefined ? null : { lane: o.lane, t0: o.t0, t1: o.t1 };
    });
    if (op === null) throw new Error("the trace has no ok op to hover");
    await page.evaluate(({ a, b }) => window.faultline.zoomTo(a, b), { a: op.t0 - 100_000, b: op.t1 + 100_000 });
    await frame();
    const { left, right, y } = await plot(op.lane);
    await page.mouse.move((left + right) / 2, y);
    await expect.poll(() => page.locator(".tooltip").textContent()).toMatch(/ -> ok/);
  });

  it("hides a datacenter's lanes, its clients' too, and unticks their boxes", async () => {
    await page.locator("#reset-zoom").click();
    await page.locator("details:has(#filters) summary").click();
    await page.locator("#filters fieldset:first-of-type label input").first().uncheck();
    // figure8 has one datacenter: its five nodes and its three clients go
    await expect.poll(() => page.locator("svg.overlay text.lane").count()).toBe(0);
    expect(await page.locator('#filters label[data-lane="n1"] input').isChecked()).toBe(false);
    expect(await page.locator('#filters label[data-lane="c1"] input').isChecked()).toBe(false);
    await page.locator("#filters fieldset:first-of-type label input").first().check();
    await expect.poll(() => page.locator("svg.overlay text.lane").count()).toBe(8);
    expect(await page.locator('#filters label[data-lane="n1"] input').isChecked()).toBe(true);
    await page.locator("details:has(#filters) summary").click();
  });

  it("filters lanes and message types", async () => {
    await page.locator("#reset-zoom").click();
    await page.locator("details:has(#filters) summary").click();
    const arrows = Number(await page.locator("#main-view canvas").getAttribute("data-arrows"));
    await page.locator('#filters label[data-lane="n5"] input').uncheck();
    await expect.poll(() => page.locator("svg.overlay text.lane").count()).toBe(7);
    await page.locator('#filters label[data-type="append"] input').uncheck();
    await expect
      .poll(async () => Number(await page.locator("#main-view canvas").getAttribute("data-arrows")))
      .toBeLessThan(arrows);
    await page.locator('#filters label[data-lane="n5"] input').check();
    await page.locator('#filters label[data-type="append"] input').check();
    await expect.poll(() => page.locator("svg.overlay text.lane").count()).toBe(8);
  });

  it("re-simulates a what-if variant in the page and marks the first divergence", async () => {
    await page.locator("details#whatif-panel summary").click();
    await page.locator("#whatif-seed").fill("2");
    await page.locator("#whatif-bugs").fill("");
    await page.locator("#whatif-run").click();
    await expect
      .poll(() => page.locator("#compare-title").textContent(), { timeout: 60_000 })
      .toMatch(/first divergence at event \d+/);
    expect(await page.locator("#compare-view").isVisible()).toBe(true);
    expect(
      (await page.locator("#main-view svg.overlay text.divergence-label").count()) +
        (await page.locator("#compare-view svg.overlay text.divergence-label").count()),
    ).toBeGreaterThan(0);
    // every lane's divergence, one after the other
    expect(await page.locator("#next-divergence").isVisible()).toBe(true);
    await page.locator("#next-divergence").click();
    await page.locator("#next-divergence").click();
    expect(await page.locator("#divergence-count").textContent()).toMatch(/^divergence 2 of \d+: \w+ at /);
    // seed 2 holds every check and runs its full 12 s: the shared time axis shows all of it, not just the 5.1 s of seed
    // 1
    const compareEnd = await page.evaluate(() => window.faultline.state.compare?.tMax ?? 0);
    expect(compareEnd).toBeGreaterThan((await view()).tMax);
    await page.locator("#reset-zoom").click();
    await expect.poll(async () => (await view()).t1).toBe(compareEnd);
    await page.locator("#whatif-share").click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    // the link alone (no trace) re-simulates the same run in a fresh page
    const link = `${server.url.split("?")[0]}${await page.evaluate(() => location.hash)}`;
    await page.goto("about:blank");
    await open(link);
    expect(await page.evaluate(() => window.faultline.state.model?.header.seed)).toBe(2);
    await page.goto("about:blank");
    await open(server.url);
  });

  it("re-simulates the unedited trace with its bug variants: no divergence; the share link keeps them", async () => {
    await page.locator("details#whatif-panel summary").click();
    expect(await page.locator("#whatif-bugs").inputValue()).toBe("commit-old-term");
    await page.locator("#whatif-run").click();
    await expect
      .poll(() => page.locator("#compare-title").textContent(), { timeout: 60_000 })
      .toMatch(/identical to the original/);
    expect(await page.locator("#compare-title").textContent()).toMatch(/1 violation/);
    expect(await page.evaluate(() => window.faultline.state.divergence)).toBeNull();
    await page.locator("#whatif-share").click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    const link = `${server.url.split("?")[0]}${await page.evaluate(() => location.hash)}`;
    const events = await page.evaluate(() => window.faultline.state.model?.evT.length);
    await page.goto("about:blank");
    await open(link);
    expect(await page.evaluate(() => window.faultline.state.model?.header.bugs)).toEqual(["commit-old-term"]);
    expect(await page.evaluate(() => window.faultline.state.model?.evT.length)).toBe(events);
    expect(await page.locator("#violations .violation-item").count()).toBe(1);
    await page.goto("about:blank");
    await open(server.url);
  });

  it("re-simulates in Lamport order: both runs and the divergence in timestamps; a share link keeps it", async () => {
    await page.selectOption("#layout", "lamport");
    await page.locator("details#whatif-panel summary").click();
    await page.locator("#whatif-seed").fill("2");
    await page.locator("#whatif-run").click();
    await expect
      .poll(() => page.locator("#compare-title").textContent(), { timeout: 60_000 })
      .toMatch(/first divergence/);
    const s = await page.evaluate(() => {
      const st = window.faultline.state;
      return {
        main: st.model?.clock,
        compare: st.compare?.clock,
        tMax: Math.max(st.model?.tMax ?? 0, st.compare?.tMax ?? 0),
        divergence: st.divergence,
      };
    });
    expect(s).toMatchObject({ main: "lamport", compare: "lamport" });
    expect(s.divergence?.tA).toBeLessThanOrEqual(s.tMax);
    expect(s.divergence?.tB).toBeLessThanOrEqual(s.tMax);
    await page.locator("#whatif-share").click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    const link = page.url();
    expect(new URL(link).searchParams.get("layout")).toBe("lamport");
    await page.goto("about:blank");
    await open(link);
    await expect.poll(() => page.locator("#status").textContent()).toMatch(/re-simulated from the shared link/);
    expect(await page.evaluate(() => window.faultline.state.model?.header.seed)).toBe(2);
    expect(await page.evaluate(() => window.faultline.state.model?.clock)).toBe("lamport");
    await page.goto("about:blank");
    await open(server.url);
  });

  it("loads a ?trace= from another site only after the user agrees", async () => {
    const requested: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().startsWith("http://example.invalid")) requested.push(r.url());
    };
    page.on("request", onRequest);
    try {
      await page.goto(`${server.url.split("?")[0]}?trace=http://example.invalid/x.ndjson`);
      await expect.poll(() => page.locator("#load-remote").count()).toBe(1);
      expect(await page.locator("#status").textContent()).toMatch(/another site: http:\/\/example\.invalid\/x\.ndjson/);
      await page.waitForTimeout(300);
      expect(requested).toEqual([]);
      await page.locator("#load-remote").click();
      await expect.poll(() => page.locator("#status").textContent()).toMatch(/could not open/);
    } finally {
      page.off("request", onRequest);
    }
    await open(server.url);
  });

  it("exports SVG and the trace, and re-imports the exported trace", async () => {
    await page.locator("details:has([data-export]) summary").click();
    const [svgDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.locator('[data-export="svg"]').click(),
    ]);
    const svg = readFileSync((await svgDownload.path()) as string, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('class="lane"');
    const [chrome] = await Promise.all([page.waitForEvent("download"), page.locator('[data-export="chrome"]').click()]);
    expect(JSON.parse(readFileSync((await chrome.path()) as string, "utf8")).traceEvents.length).toBeGreaterThan(100);
    // The page's exports are the CLI's, byte for byte (the worker streams them into a Blob of parts).
    const served = parseTrace(gunzipSync(readFileSync(figure8)).toString("utf8"), "figure8");
    const cli = { chrome: toChromeTrace, shiviz: toShiViz, jepsen: toJepsenHistory };
    for (const format of ["chrome", "shiviz", "jepsen"] as const) {
      const [d] = await Promise.all([page.waitForEvent("download"), page.locator(`[data-export="${format}"]`).click()]);
      expect(readFileSync((await d.path()) as string, "utf8")).toBe(
        cli[format](served.header, served.events, served.footer),
      );
    }
    const [traceDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.locator('[data-export="trace"]').click(),
    ]);
    const exported = join(tmp, "exported.ndjson");
    await traceDownload.saveAs(exported);
    const events = await page.evaluate(() => window.faultline.state.model?.evT.length);
    await page.evaluate(() => {
      window.faultline.ready = false;
    });
    await page.locator("#file-input").setInputFiles(exported);
    await page.waitForFunction(() => window.faultline.ready === true);
    expect(await page.evaluate(() => window.faultline.state.model?.evT.length)).toBe(events);
  });

  it("draws a 2pc trace's transactions as groups with votes and decisions, and inspects one on click", async () => {
    const twoPc = await serve(await twoPcTrace());
    try {
      await open(twoPc.url);
      const decisions = page.locator("#main-view svg.overlay g.txn-decision");
      expect(await decisions.count()).toBeGreaterThan(10);
      expect(await page.locator("#main-view svg.overlay g.txn-abort").count()).toBeGreaterThan(0);
      expect(await page.locator("#main-view svg.overlay g.txn-vote-no").count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(tmp, "viewer-2pc.png") });
      const commit = page.locator("#main-view svg.overlay g.txn-commit").first();
      const title = (await commit.getAttribute("data-text")) ?? "";
      expect(title).toMatch(/^transaction \d+\.\d+: commit/);
      await commit.click();
      const table = page.locator("#inspector .txn-table");
      await expect.poll(() => table.count()).toBe(1);
      const text = (await table.textContent()) ?? "";
      expect(text).toContain(`transaction${title.split(" ")[1]?.replace(":", "")}`);
      expect(text).toMatch(/outcomecommit/);
      expect(text).toMatch(/vote n\dyes at/);
      expect(text).toMatch(/decided at n1commit at/);
      // no log hint in a 2pc trace: its replication-lag chart says n/a; its panel lists transactions per node
      await page.locator("details:has(#metrics) summary").click();
      expect(await page.locator("#metrics").textContent()).toMatch(/replication lag \(max - min commit index\) — n\/a/);
      await page.locator("details:has(#metrics) summary").click();
      await expect.poll(() => page.locator("#state-panel .items-panel tr").count()).toBeGreaterThan(1);
    } finally {
      await twoPc.close();
    }
  });

  it(
    "draws message density when more messages are in view than it draws one by one, and each message when " +
      "zoomed in",
    async () => {
      const large = await serve(await largeTrace());
      try {
        await open(large.url);
        const canvas = page.locator("#main-view canvas");
        expect(await canvas.getAttribute("data-mode")).toBe("density");
        expect(await canvas.getAttribute("data-legend")).toMatch(
          /messages: [\d,]+ in view, too many to draw one by one/,
        );
        await page.screenshot({ path: join(tmp, "viewer-density.png") });
        // selecting a point computes its causal cone over every delivery before it (this froze the page before)
        const { left, right, y } = await plot(2);
        await page.mouse.click((left + right) / 2, y);
        await expect.poll(() => page.evaluate(() => window.faultline.state.selection?.lane)).toBe(2);
        // The SVG export of the density view holds what is visible (strips as a few paths), not one element per
        // message or per row of pixels.
        await page.locator("details:has([data-export]) summary").click();
        const [svgDownload] = await Promise.all([
          page.waitForEvent("download"),
          page.locator('[data-export="svg"]').click(),
        ]);
        const svg = readFileSync((await svgDownload.path()) as string, "utf8");
        const messages = await page.evaluate(() => window.faultline.state.model?.msgCount ?? 0);
        expect(messages).toBeGreaterThan(20_000);
        expect(svg).toContain('class="density"');
        expect(svg.length).toBeLessThan(250_000);
        expect((svg.match(/<(path|rect|line) /g) ?? []).length).toBeLessThan(600);
        await page.locator("details:has([data-export]) summary").click();
        await page.evaluate(() => window.faultline.zoomTo(4_000_000, 4_100_000));
        await expect.poll(() => canvas.getAttribute("data-mode")).toBe("exact");
        expect(Number(await canvas.getAttribute("data-arrows"))).toBeGreaterThan(50);
        expect(await canvas.getAttribute("data-legend")).toMatch(/^messages: each drawn/);
      } finally {
        await large.close();
      }
    },
  );

  it(
    "keeps the drop hint up while a file is dragged across " + "the page's elements, and hides it when the drag leaves",
    async () => {
      const files = await page.evaluateHandle(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["{}"], "trace.ndjson"));
        return dt;
      });
      const hint = page.locator("#drop-hint");
      const shown: boolean[] = [];
      // What Chromium fires as the pointer moves from the diagram onto the inspector: dragenter on the new element,
      // then dragleave on the old one (the old page hid the hint on every dragleave, so it flickered).
      await page.dispatchEvent("#main-view", "dragenter", { dataTransfer: files });
      shown.push(await hint.isVisible());
      await page.dispatchEvent("#inspector", "dragenter", { dataTransfer: files });
      await page.dispatchEvent("#main-view", "dragleave", { dataTransfer: files });
      shown.push(await hint.isVisible());
      await page.dispatchEvent("#inspector", "dragover", { dataTransfer: files });
      shown.push(await hint.isVisible());
      await page.screenshot({ path: join(tmp, "viewer-drop-hint.png") });
      await page.dispatchEvent("#inspector", "dragleave", { dataTransfer: files });
      shown.push(await hint.isVisible());
      expect(shown).toEqual([true, true, true, false]);
      // Dragging text (not a file) never shows it.
      const text = await page.evaluateHandle(() => {
        const dt = new DataTransfer();
        dt.setData("text/plain", "hello");
        return dt;
      });
      await page.dispatchEvent("#main-view", "dragenter", { dataTransfer: text });
      expect(await hint.isVisible()).toBe(false);
      await page.dispatchEvent("#main-view", "dragleave", { dataTransfer: text });
    },
  );

  it("shows markup from a trace as text, never as HTML", async () => {
    const hostile = await serve(hostileTrace());
    try {
      await open(hostile.url);
      const texts = await page
        .locator("#main-view svg.overlay .marker-note")
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.text ?? ""));
      expect(texts.some((t) => t.includes("<script>window.__xss = 1</script>"))).toBe(true);
      await page.locator("#search").fill("onerror");
      expect(await page.locator("#main-view svg.overlay .marker-note").count()).toBe(1);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator("img").count()).toBe(0);
    } finally {
      await hostile.close();
    }
  });
});
