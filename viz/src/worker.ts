/// <reference lib="webworker" />
/**
 * Trace work off the main thread: decompress, parse, build the model; run what-if simulations; produce exports.
 * Messages: {op: "load", bytes, source} | {op: "simulate", scenario, seed} | {op: "export", format, which}.
 */
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { TraceEvent, TraceHeader } from "../../sim/trace/events.ts";
import { toChromeTrace, toJepsenHistory, toShiViz } from "../../sim/trace/export/index.ts";
import { parseTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel } from "./model.ts";

/** The model's typed columns, transferred (moved, not copied) to the page. */
function columnBuffers(model: ReturnType<typeof buildModel>): Transferable[] {
  return [model.evT, model.evKind, model.evLane, model.msgT0, model.msgT1, model.msgFrom, model.msgTo, model.msgType, model.msgStatus, model.msgEvent].map((a) => a.buffer as ArrayBuffer);
}

const traces: Record<string, { header: TraceHeader; events: TraceEvent[]; text: string }> = {};
const KEEP_LINES_BELOW = 400_000;

async function decode(bytes: ArrayBuffer): Promise<string> {
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }
  return new TextDecoder().decode(bytes);
}

function load(which: string, text: string, source: string) {
  const t0 = performance.now();
  const parsed = parseTrace(text, source);
  const model = buildModel(parsed.header, parsed.events, parsed.events.length < KEEP_LINES_BELOW);
  traces[which] = { header: parsed.header, events: parsed.events, text };
  return { model, parseMs: performance.now() - t0 };
}

self.onmessage = async (ev: MessageEvent) => {
  const msg = ev.data as { id: number; op: string; [k: string]: unknown };
  try {
    if (msg.op === "load") {
      const t0 = performance.now();
      const text = await decode(msg.bytes as ArrayBuffer);
      const decodeMs = performance.now() - t0;
      const { model, parseMs } = load("main", text, String(msg.source));
      self.postMessage({ id: msg.id, ok: true, model, timings: { decodeMs, parseMs, sentAt: Date.now() } }, columnBuffers(model));
    } else if (msg.op === "simulate") {
      const scenario = msg.scenario as ResolvedScenario;
      const r = runScenario(scenario, { registry, seed: msg.seed as number, sink: "record" });
      const text = r.trace?.toNdjson() ?? "";
      const { model } = load("whatif", text, "what-if");
      self.postMessage({ id: msg.id, ok: true, model, summary: { violations: r.violations, events: r.events, stop: r.stop, clientOps: r.clientOps } }, columnBuffers(model));
    } else if (msg.op === "export") {
      const t = traces[String(msg.which)];
      if (t === undefined) throw new Error("no trace loaded");
      const f = msg.format;
      const text = f === "chrome" ? toChromeTrace(t.header, t.events) : f === "shiviz" ? toShiViz(t.header, t.events) : f === "jepsen" ? toJepsenHistory(t.header, t.events) : t.text;
      self.postMessage({ id: msg.id, ok: true, text });
    }
  } catch (e) {
    self.postMessage({ id: msg.id, ok: false, error: (e as Error).message });
  }
};
