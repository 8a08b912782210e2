/// <reference lib="webworker" />
/**
 * Trace work off the main thread: decompress, parse, build the model; run what-if simulations; produce exports.
 * Messages: {op: "load", bytes, source} | {op: "loadUrl", url} | {op: "loadStream", body, source} |
 * {op: "simulate", scenario, seed} |
 * {op: "export", format, which}.
 */
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { TraceEvent, TraceHeader } from "../../sim/trace/events.ts";
import { toChromeTrace, toJepsenHistory, toShiViz } from "../../sim/trace/export/index.ts";
import { parseTrace, TraceTextReader, type ParsedTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel } from "./model.ts";

/** The model's typed columns, transferred (moved, not copied) to the page. */
function columnBuffers(model: ReturnType<typeof buildModel>): Transferable[] {
  return [model.evT, model.evKind, model.evLane, model.msgT0, model.msgT1, model.msgFrom, model.msgTo, model.msgType, model.msgStatus, model.msgEvent].map((a) => a.buffer as ArrayBuffer);
}

/** A loaded trace; its text is kept as the chunks it arrived in and joined only when exported. */
const traces: Record<string, { header: TraceHeader; events: TraceEvent[]; chunks: string[] }> = {};
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
  return finishLoad(which, parseTrace(text, source), [text], t0);
}

function finishLoad(which: string, parsed: ParsedTrace, chunks: string[], t0: number) {
  const model = buildModel(parsed.header, parsed.events, parsed.events.length < KEEP_LINES_BELOW);
  traces[which] = { header: parsed.header, events: parsed.events, chunks };
  return { model, parseMs: performance.now() - t0 };
}

/**
 * Fetch a trace and parse it while it downloads: the body is read as a stream, inflated here if the server sent the
 * raw .gz bytes (a static host; `faultline view` sends gzip content-encoding, which the browser inflates), decoded,
 * and split into lines as chunks arrive, so parsing overlaps the transfer instead of following it.
 */
async function loadUrl(url: string) {
  const t0 = performance.now();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  if (res.body === null) return load("main", await res.text(), url);
  return loadStream(res.body, url, t0);
}

/** Parse a trace from a byte stream as it arrives (see loadUrl). */
async function loadStream(stream: ReadableStream<Uint8Array>, url: string, t0: number) {
  const bytes = stream.getReader();
  const first = await bytes.read();
  const head = first.value;
  let body: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    start(c) {
      if (head !== undefined && head.byteLength > 0) c.enqueue(head);
      if (first.done) c.close();
    },
    async pull(c) {
      const r = await bytes.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
  });
  if (head !== undefined && head[0] === 0x1f && head[1] === 0x8b) body = body.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  const text = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  const reader = new TraceTextReader(url);
  const chunks: string[] = [];
  for (;;) {
    const r = await text.read();
    if (r.done) break;
    chunks.push(r.value);
    reader.push(r.value);
  }
  const streamedMs = performance.now() - t0;
  const parsed = reader.finish();
  return { ...finishLoad("main", parsed, chunks, t0), streamedMs };
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
    } else if (msg.op === "loadUrl" || msg.op === "loadStream") {
      const r = msg.op === "loadUrl" ? await loadUrl(String(msg.url)) : await loadStream(msg.body as ReadableStream<Uint8Array>, String(msg.source), performance.now());
      // decodeMs: fetching, inflating and parsing as the bytes stream in; parseMs: that plus building the model.
      const decodeMs = "streamedMs" in r ? r.streamedMs : 0;
      self.postMessage({ id: msg.id, ok: true, model: r.model, timings: { decodeMs, parseMs: r.parseMs, sentAt: Date.now() } }, columnBuffers(r.model));
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
      const text = f === "chrome" ? toChromeTrace(t.header, t.events) : f === "shiviz" ? toShiViz(t.header, t.events) : f === "jepsen" ? toJepsenHistory(t.header, t.events) : t.chunks.join("");
      self.postMessage({ id: msg.id, ok: true, text });
    }
  } catch (e) {
    self.postMessage({ id: msg.id, ok: false, error: (e as Error).message });
  }
};
