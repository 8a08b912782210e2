/// <reference lib="webworker" />
/**
 * Trace work off the main thread: decompress, parse, build the model; run what-if simulations; produce exports.
 * Messages: {op: "load", bytes, source} | {op: "loadUrl", url} | {op: "simulate", scenario, seed, bugs} |
 * {op: "export", format, which}.
 */
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import type { TraceEvent, TraceFooter, TraceHeader } from "../../sim/trace/events.ts";
import { EXPORTERS, exportToParts, isExportFormat } from "../../sim/trace/export/index.ts";
import { isGzipBytes, parseTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { ByteTraceReader, textOf } from "./byteReader.ts";
import type { Model } from "./model.ts";

/** The model's typed columns, transferred (moved, not copied) to the page. */
function columnBuffers(model: Model): Transferable[] {
  return [
    model.evT,
    model.evKind,
    model.evLane,
    model.msgT0,
    model.msgT1,
    model.msgFrom,
    model.msgTo,
    model.msgType,
    model.msgStatus,
    model.msgEvent,
    model.msgRecv,
    model.msgDelivered,
  ].map((a) => a.buffer as ArrayBuffer);
}

/**
 * A loaded trace: its bytes as the chunks they arrived in, and its parsed events once something needed them (exports,
 * and the canonical lines of a small trace); a large trace is parsed again only if it is exported.
 */
const traces: Record<
  string,
  { header: TraceHeader; chunks: Uint8Array[]; events: TraceEvent[] | null; footer?: TraceFooter }
> = {};
/** Below this many events a model carries canonical event lines, for the what-if divergence. */
const KEEP_LINES_BELOW = 400_000;

function eventsOf(which: string): { header: TraceHeader; events: TraceEvent[]; footer: TraceFooter | null } {
  const t = traces[which];
  if (t === undefined) throw new Error("no trace loaded");
  if (t.events === null) {
    const parsed = parseTrace(textOf(t.chunks), which);
    t.events = parsed.events;
    t.footer = parsed.footer;
  }
  return { header: t.header, events: t.events, footer: t.footer ?? null };
}

function bytesOf(which: string): Uint8Array[] {
  const t = traces[which];
  if (t === undefined) throw new Error("no trace loaded");
  return t.chunks;
}

async function inflate(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  if (!isGzipBytes(new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength)))) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).arrayBuffer();
}

/** Build the model from a reader that has every chunk. */
function finishLoad(which: string, reader: ByteTraceReader, t0: number) {
  const model = reader.finish();
  traces[which] = { header: model.header, chunks: reader.chunks, events: null };
  if (model.evT.length < KEEP_LINES_BELOW) model.lines = eventsOf(which).events.map((e) => JSON.stringify(e));
  return { model, parseMs: performance.now() - t0, fastLines: reader.fastLines };
}

function loadBytes(which: string, bytes: Uint8Array, source: string) {
  const t0 = performance.now();
  const reader = new ByteTraceReader(source);
  reader.push(bytes);
  return finishLoad(which, reader, t0);
}

/**
 * Fetch a trace and parse it while it downloads: the body is read as a stream, inflated here if the server sent the
 * raw .gz bytes (a static host; `faultline view` sends gzip content-encoding, which the browser inflates), and read
 * into the model as chunks arrive, so parsing overlaps the transfer instead of following it.
 */
async function loadUrl(url: string) {
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  if (res.body === null) return loadBytes("main", new Uint8Array(await res.arrayBuffer()), url);
  return loadStream(res.body, url, t0);
}

/** Read a trace from a byte stream as it arrives (see loadUrl). */
async function loadStream(stream: ReadableStream<Uint8Array>, url: string, t0: number) {
  const raw = stream.getReader();
  const first = await raw.read();
  const head = first.value;
  let body = raw;
  const reader = new ByteTraceReader(url);
  if (head !== undefined && isGzipBytes(head)) {
    const gz = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(head);
      },
      async pull(c) {
        const r = await raw.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
    });
    body = gz
      .pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
      .getReader();
  } else if (head !== undefined) reader.push(head);
  for (let r = first.done ? first : await body.read(); !r.done; r = await body.read()) reader.push(r.value);
  const streamedMs = performance.now() - t0;
  return { ...finishLoad("main", reader, t0), streamedMs };
}

self.onmessage = async (ev: MessageEvent) => {
  const msg = ev.data as { id: number; op: string; [k: string]: unknown };
  try {
    if (msg.op === "load") {
      const t0 = performance.now();
      const bytes = await inflate(msg.bytes as ArrayBuffer);
      const decodeMs = performance.now() - t0;
      const { model, parseMs, fastLines } = loadBytes("main", new Uint8Array(bytes), String(msg.source));
      self.postMessage(
        { id: msg.id, ok: true, model, timings: { decodeMs, parseMs, fastLines, sentAt: Date.now() } },
        columnBuffers(model),
      );
    } else if (msg.op === "loadUrl") {
      const r = await loadUrl(String(msg.url));
      // decodeMs: fetching, inflating and parsing as the bytes stream in; parseMs: that plus building the model.
      const decodeMs = "streamedMs" in r ? r.streamedMs : 0;
      self.postMessage(
        {
          id: msg.id,
          ok: true,
          model: r.model,
          timings: { decodeMs, parseMs: r.parseMs, fastLines: r.fastLines, sentAt: Date.now() },
        },
        columnBuffers(r.model),
      );
    } else if (msg.op === "simulate") {
      const scenario = msg.scenario as ResolvedScenario;
      // The run's bug variants come with it: an unedited re-simulation must reproduce the trace it came from.
      const bugs = Array.isArray(msg.bugs) ? (msg.bugs as unknown[]).map(String) : [];
      const r = runScenario(scenario, { registry, seed: msg.seed as number, bugs, sink: "record" });
      const text = r.trace?.toNdjson() ?? "";
      const { model } = loadBytes("whatif", new TextEncoder().encode(text), "what-if");
      self.postMessage(
        {
          id: msg.id,
          ok: true,
          model,
          summary: { violations: r.violations, events: r.events, stop: r.stop, clientOps: r.clientOps },
        },
        columnBuffers(model),
      );
    } else if (msg.op === "event") {
      // one event's fields (a clicked message's send): parsed from the kept bytes on first use
      const e = eventsOf(String(msg.which)).events[Number(msg.index)];
      self.postMessage({ id: msg.id, ok: true, event: e ?? null });
    } else if (msg.op === "export") {
      // The export is handed back as a Blob built from ~1 MiB parts: no single string holds it (a Chrome export of a
      // million-event trace is ~135 MB).
      const which = String(msg.which);
      const f = msg.format;
      let blob: Blob;
      if (isExportFormat(f)) {
        const t = eventsOf(which);
        blob = new Blob(exportToParts(EXPORTERS[f], t.header, t.events, t.footer), {
          type: f === "chrome" ? "application/json" : "text/plain",
        });
      } else blob = new Blob(bytesOf(which) as BlobPart[], { type: "application/x-ndjson" });
      self.postMessage({ id: msg.id, ok: true, blob });
    }
  } catch (e) {
    self.postMessage({ id: msg.id, ok: false, error: (e as Error).message });
  }
};
