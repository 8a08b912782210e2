/**
 * Reading traces (browser-safe). A trace is NDJSON: header line, event lines, footer line. Errors name the source,
 * the line and what was expected; a trace without its footer is reported as truncated.
 */
import { z } from "zod";
import { isSeed } from "../core/rng.ts";
import type { TraceEvent, TraceEventKind, TraceFooter, TraceHeader } from "./events.ts";
import { TRACE_EVENT_KINDS, TRACE_FORMAT, TRACE_VERSION } from "./events.ts";

export class TraceFormatError extends Error {
  override name = "TraceFormatError";
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(line > 0 ? `${source}: line ${line}: ${detail}` : `${source}: ${detail}`);
  }
}

export interface ParsedTrace {
  header: TraceHeader;
  events: TraceEvent[];
  footer: TraceFooter;
}

const HeaderSchema = z.looseObject({
  format: z.literal(TRACE_FORMAT),
  version: z.number().int(),
  engine: z.string(),
  seed: z
    .union([z.number(), z.string()])
    .refine(isSeed, "expected an integer seed (at most 2^53 - 1 either way) or a string seed"),
  bugs: z.array(z.string()),
  scenario: z.looseObject({
    name: z.string(),
    protocol: z.looseObject({ name: z.string() }),
    topology: z.looseObject({}),
  }),
  nodes: z.array(z.object({ id: z.string(), dc: z.string() })),
  clients: z.array(z.object({ id: z.string(), dc: z.string() })),
  viewHints: z.looseObject({}).optional(),
  metrics: z
    .array(
      z.looseObject({
        name: z.string(),
        kind: z.enum(["counter", "sample", "gauge"]),
        unit: z.enum(["micros", "bytes", "count", "ratio"]),
        description: z.string(),
      }),
    )
    .optional(),
});

const KINDS = new Set<string>(TRACE_EVENT_KINDS);
const STOPS: readonly string[] = ["duration", "idle", "violation", "limit"] satisfies TraceFooter["stop"][];
/** FIELDS as arrays of [field, type], for a tight validation loop. */
let FIELD_LISTS: Map<string, [string, "s" | "n" | "a"][]> | null = null;
function fieldList(kind: string): [string, "s" | "n" | "a"][] {
  if (FIELD_LISTS === null) FIELD_LISTS = new Map(Object.entries(FIELDS).map(([k, f]) => [k, Object.entries(f)]));
  return FIELD_LISTS.get(kind) ?? [];
}

/** Required fields per kind and their JSON types ("s" string, "n" number, "a" any). */
const FIELDS: Record<TraceEventKind, Record<string, "s" | "n" | "a">> = {
  send: { n: "s", to: "s", i: "n", ty: "s", b: "n" },
  deliver: { n: "s", from: "s", i: "n", st: "n" },
  drop: { n: "s", to: "s", i: "n", why: "s" },
  duplicate: { n: "s", to: "s", i: "n", copy: "n" },
  timer: { n: "s", name: "s" },
  crash: { n: "s" },
  restart: { n: "s" },
  partition: { id: "s", kind: "s", blocks: "a" },
  heal: { id: "s" },
  link: { a: "s", b: "s", change: "a" },
  clock: { n: "s", offset: "n", drift: "n" },
  disk: { n: "s", fault: "s" },
  invoke: { c: "s", p: "n", r: "n", n: "s" },
  ok: { c: "s", p: "n", r: "n" },
  fail: { c: "s", p: "n", r: "n" },
  info: { c: "s", p: "n", r: "n" },
  state: { n: "s", v: "a" },
  note: { n: "s", text: "s" },
  violation: { check: "s", message: "s" },
  metric: { name: "s", v: "n" },
};

/**
 * Where a reader hands what it reads instead of keeping an array of events (the viewer builds its model as it reads).
 */
export interface TraceEventSink {
  header(h: TraceHeader): void;
  event(e: TraceEvent): void;
}

/** Incremental reader: feed lines in order, then `finish()`. */
export class TraceLineReader {
  header: TraceHeader | null = null;
  footer: TraceFooter | null = null;
  /** The events read, unless a sink takes them (then this stays empty). */
  readonly events: TraceEvent[] = [];
  private lineNo = 0;
  private count = 0;

  get lines(): number {
    return this.lineNo;
  }
  /** Events read so far. */
  get eventCount(): number {
    return this.count;
  }
  /** Time of the last event read: the next one may not be earlier. */
  get lastEventTime(): number {
    return this.lastTime;
  }
  /** True between the header and the end line: event lines are expected. */
  get inEvents(): boolean {
    return this.header !== null && this.footer === null;
  }
  private lastTime = 0;

  constructor(
    readonly source: string,
    private readonly sink: TraceEventSink | null = null,
  ) {}

  /**
   * Count an event line that the caller parsed and checked itself (the viewer's fast path for fixed-shape lines): it
   * must be a well-formed event of a known kind with all its fields, read while `inEvents`, at or after
   * `lastEventTime`. Keeps line numbers, the event count and the time order as if the line had been pushed.
   */
  countEvent(t: number): void {
    if (!this.inEvents || !(t >= this.lastTime))
      throw new Error("countEvent: the line must be an event in time order (push it instead)");
    this.lineNo++;
    this.count++;
    this.lastTime = t;
  }

  push(line: string): void {
    this.lineNo++;
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return;
    if (this.footer !== null) this.fail("unexpected content after the end line");
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      this.fail(`not valid JSON (${line.length > 60 ? `${line.slice(0, 60)}...` : line})`);
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) this.fail("expected a JSON object");
    const o = obj as Record<string, unknown>;
    if (this.header === null) return this.readHeader(o);
    if (o.k === "end") {
      if (typeof o.events !== "number" || o.events !== this.count)
        this.fail(`the end line counts ${String(o.events)} events but the trace has ${this.count}`);
      if (typeof o.t !== "number") this.fail(`the end line's time "t" should be a number`);
      if (!(o.t >= this.lastTime))
        this.fail(`the end line's time ${o.t} is before the last event's (t=${this.lastTime})`);
      if (typeof o.stop !== "string" || !STOPS.includes(o.stop))
        this.fail(`the end line's stop reason ${JSON.stringify(o.stop)} is not one of ${STOPS.join(", ")}`);
      this.footer = o as unknown as TraceFooter;
      return;
    }
    const e = this.readEvent(o);
    this.count++;
    if (this.sink === null) this.events.push(e);
    else this.sink.event(e);
  }

  /** Reject the current line (a method, not a closure per line: this runs for every line of a million-line trace). */
  private fail(detail: string): never {
    throw new TraceFormatError(this.source, this.lineNo, detail);
  }

  finish(): ParsedTrace {
    if (this.header === null) throw new TraceFormatError(this.source, 0, "empty: expected a trace header line");
    if (this.footer === null) {
      throw new TraceFormatError(
        this.source,
        this.lineNo,
        `truncated: the trace ends at line ${this.lineNo} without its end line`,
      );
    }
    return { header: this.header, events: this.events, footer: this.footer };
  }

  private readHeader(o: Record<string, unknown>): void {
    if (o.format !== TRACE_FORMAT)
      this.fail(`not a Faultline trace: expected a header with "format": "${TRACE_FORMAT}"`);
    if (o.version !== TRACE_VERSION)
      this.fail(`unsupported trace version ${String(o.version)} (this Faultline reads version ${TRACE_VERSION})`);
    const r = HeaderSchema.safeParse(o);
    if (!r.success) {
      const issue = r.error.issues[0];
      this.fail(`bad header: ${issue?.path.join(".") || "header"}: ${issue?.message ?? "invalid"}`);
    }
    this.header = o as unknown as TraceHeader;
    this.sink?.header(this.header);
  }

  private readEvent(o: Record<string, unknown>): TraceEvent {
    if (o.format === TRACE_FORMAT) this.fail("a second header line (a trace has one, on line 1)");
    const t = o.t;
    if (typeof t !== "number" || !Number.isFinite(t)) this.fail('expected a numeric time "t"');
    const k = o.k;
    if (typeof k !== "string" || !KINDS.has(k))
      this.fail(`unknown event kind ${JSON.stringify(k)} (expected one of ${TRACE_EVENT_KINDS.join(", ")})`);
    if ((t as number) < this.lastTime) this.fail(`events out of time order: t=${String(t)} after t=${this.lastTime}`);
    this.lastTime = t as number;
    const fields = fieldList(k as TraceEventKind);
    for (let j = 0; j < fields.length; j++) {
      const [f, want] = fields[j] as [string, "s" | "n" | "a"];
      const v = o[f];
      if (v === undefined) this.fail(`${k} event is missing field "${f}"`);
      if (want === "s" && typeof v !== "string") this.fail(`${k} event field "${f}" should be a string`);
      if (want === "n" && typeof v !== "number") this.fail(`${k} event field "${f}" should be a number`);
    }
    return o as unknown as TraceEvent;
  }
}

/**
 * Incremental reader of trace text: push chunks as they arrive (a streamed download), then `finish()`. A last line
 * without its newline must still be a complete JSON line, or the trace was cut off mid-event.
 */
export class TraceTextReader {
  private readonly reader: TraceLineReader;
  private readonly splitter: LineSplitter;

  constructor(readonly source: string) {
    this.reader = new TraceLineReader(source);
    this.splitter = new LineSplitter((line) => this.reader.push(line), source);
  }

  /** Lines read so far. */
  get lines(): number {
    return this.reader.lines;
  }

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  finish(): ParsedTrace {
    pushLastLine(this.reader, this.splitter.takeRest(), this.source);
    return this.reader.finish();
  }
}

/**
 * The longest line a trace may have, in characters. A trace line is one event or the header; a file whose line runs
 * past this (a sparse or binary file, with no newline in sight) is not a trace, and reading on would only fill memory
 * until V8's string limit (about 2^29 characters) throws.
 */
export const MAX_TRACE_LINE_CHARS = 2 ** 28;

/**
 * Text arriving in pieces, split into lines (without their "\n"), each handed to `onLine` as it completes. Linear in
 * the text however it is cut: a line spread over many pieces is kept as a list of pieces and joined once, when its
 * newline arrives (joining each piece onto the line so far, and searching that for "\n", was quadratic: a 64 MB line
 * took 26 s).
 */
export class LineSplitter {
  private pieces: string[] = [];
  private pendingChars = 0;
  private lines = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly source = "trace",
    private readonly maxLineChars = MAX_TRACE_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf("\n", start);
      if (end < 0) break;
      let line = chunk.slice(start, end);
      if (this.pieces.length > 0) {
        this.pieces.push(line);
        this.checkLength(this.pendingChars + line.length);
        line = this.pieces.join("");
        this.pieces = [];
        this.pendingChars = 0;
      }
      this.lines++;
      this.onLine(line);
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = start === 0 ? chunk : chunk.slice(start);
      this.checkLength(this.pendingChars + rest.length);
      this.pieces.push(rest);
      this.pendingChars += rest.length;
    }
  }

  private checkLength(chars: number): void {
    if (chars > this.maxLineChars)
      throw new TraceFormatError(
        this.source,
        this.lines + 1,
        `a line longer than ${this.maxLineChars} characters: not a trace (a trace's lines are JSON events)`,
      );
  }

  /** The text after the last newline (a last line without one, or ""); the splitter is empty after. */
  takeRest(): string {
    const rest = this.pieces.join("");
    this.pieces = [];
    this.pendingChars = 0;
    return rest;
  }
}

/** Do these bytes start with gzip's magic number (a .ndjson.gz trace, whatever its name)? */
export function isGzipBytes(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Parse a whole trace text. */
export function parseTrace(text: string, source: string): ParsedTrace {
  const reader = new TraceTextReader(source);
  reader.push(text);
  return reader.finish();
}

/**
 * Push the text after the last newline of a trace: nothing if it is blank, else a line that must be whole JSON (a cut
 * one means the file stops mid-event, reported as truncation rather than as bad JSON).
 */
export function pushLastLine(reader: TraceLineReader, line: string, source: string): void {
  if (line.trim() === "") return;
  if (reader.footer !== null) return reader.push(line); // after the end line, anything is content after it, not a cut
  try {
    JSON.parse(line);
  } catch {
    throw new TraceFormatError(
      source,
      reader.lines + 1,
      `truncated: the last line is cut off (no end line; the file stops mid-event)`,
    );
  }
  reader.push(line);
}
