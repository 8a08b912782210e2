/**
 * Reads trace bytes (UTF-8 NDJSON, in chunks as they arrive) straight into a ModelBuilder.
 *
 * Most lines of a large trace are sends, deliveries, drops and timers, written by the recorder in one fixed shape
 * (sim/trace/recorder.ts). For those the fast path reads the numbers and strings it needs from the bytes: no text
 * decoding, no JSON.parse, no event object. Any line that is not exactly in that shape (other kinds, other key order,
 * whitespace, escapes in the strings it reads, fractions or exponents in its numbers, an event out of time order,
 * anything before the header or after the end line) is decoded and goes through the ordinary reader (JSON.parse and
 * its checks, sim/trace/reader.ts), so both routes accept the same traces, report the same errors and build the same
 * model (test/viz/byteReader.test.ts compares them).
 */
import { pushLastLine, TraceLineReader, type TraceEventSink } from "../../sim/trace/reader.ts";
import type { TraceEvent, TraceFooter, TraceHeader } from "../../sim/trace/events.ts";
import { ModelBuilder, type Model } from "./model.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const L_START = enc('{"t":');
const L_KIND = enc(',"k":"');
const L_SEND = enc('send","n":"');
const L_DELIVER = enc('deliver","n":"');
const L_DROP = enc('drop","n":"');
const L_DUPLICATE = enc('duplicate","n":"');
const L_TIMER = enc('timer","n":"');
const L_TO = enc(',"to":"');
const L_FROM = enc(',"from":"');
const L_I = enc(',"i":');
const L_TY = enc(',"ty":"');
const L_M = enc(',"m":');
const L_B = enc(',"b":');
const L_ST = enc(',"st":');
const L_WHY = enc(',"why":"');
const L_NAME = enc(',"name":"');
const L_COPY = enc(',"copy":');
const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSE = 125;
/** Deeper payloads than this go to JSON.parse. */
const MAX_DEPTH = 64;
/** Integers with more digits than this go to JSON.parse (15 digits are always exact in a double). */
const MAX_DIGITS = 15;

/** Position after `lit` if the bytes at p match it, else -1. */
function match(b: Uint8Array, p: number, lit: Uint8Array): number {
  for (let j = 0; j < lit.length; j++) if (b[p + j] !== lit[j]) return -1;
  return p + lit.length;
}

function isWs(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** After the opening quote: the position after the closing quote of a valid JSON string, else -1. */
function skipString(b: Uint8Array, p: number): number {
  for (;;) {
    const c = b[p++] as number;
    if (c === QUOTE) return p;
    if (c === BACKSLASH) {
      const e = b[p++] as number;
      if (e === 117) {
        for (let j = 0; j < 4; j++) {
          const h = b[p++] as number;
          if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return -1;
        }
      } else if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 47 &&
        e !== 98 &&
        e !== 102 &&
        e !== 110 &&
        e !== 114 &&
        e !== 116
      )
        return -1;
    } else if (c < 32) return -1; // control characters, including the line's newline: not a complete string
  }
}

function digits(b: Uint8Array, p: number): number {
  const s = p;
  while ((b[p] as number) >= 48 && (b[p] as number) <= 57) p++;
  return p > s ? p : -1;
}

/** The position after a valid JSON number, else -1. */
function skipNumber(b: Uint8Array, p: number): number {
  if (b[p] === 45) p++;
  if (b[p] === 48) p++;
  else if ((b[p] as number) >= 49 && (b[p] as number) <= 57) p = digits(b, p);
  else return -1;
  if (b[p] === 46) {
    p = digits(b, p + 1);
    if (p < 0) return -1;
  }
  if (b[p] === 101 || b[p] === 69) {
    p++;
    if (b[p] === 43 || b[p] === 45) p++;
    p = digits(b, p);
  }
  return p;
}

const TRUE = enc("true");
const FALSE = enc("false");
const NULL = enc("null");

/**
 * Reads trace bytes into a model. push() chunks in order (cut anywhere), then finish(). The bytes are kept (as the
 * chunks they came in) for exports, which parse them again on demand.
 */
export class ByteTraceReader implements TraceEventSink {
  private readonly reader: TraceLineReader;
  private builder: ModelBuilder | null = null;
  /** Bytes of an unfinished line, from earlier chunks. */
  private carry: Uint8Array[] = [];
  private atStart = true;
  private fast = false;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly chunks: Uint8Array[] = [];
  /** Lines read by the fast path (the rest went through JSON.parse). */
  fastLines = 0;
  // Strings read by the fast path (node ids, message types, drop reasons), interned by their bytes.
  private table = new Int32Array(256).fill(-1);
  private entryHash: number[] = [];
  private entryBytes: Uint8Array[] = [];
  private entryString: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private laneCache: number[] = [];
  private typeCache: number[] = [];
  private p = 0;
  private readonly stack = new Uint8Array(MAX_DEPTH);

  /** `keepBytes`: keep the chunks (the viewer exports from them). */
  constructor(
    readonly source: string,
    private readonly keepBytes = true,
  ) {
    this.reader = new TraceLineReader(source, this);
  }

  header(h: TraceHeader): void {
    this.builder = new ModelBuilder(h);
  }

  event(e: TraceEvent): void {
    (this.builder as ModelBuilder).event(e);
  }

  get footer(): TraceFooter | null {
    return this.reader.footer;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.keepBytes) this.chunks.push(chunk);
    let start = 0;
    if (this.carry.length > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.carry.push(chunk);
        return;
      }
      const parts = this.carry;
      this.carry = [];
      parts.push(chunk.subarray(0, nl + 1));
      const line = concat(parts);
      this.run(line, 0, line.length - 1);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) this.run(chunk, start, last);
    if (last + 1 < chunk.length) this.carry.push(chunk.subarray(Math.max(start, last + 1)));
  }

  /** The model; throws TraceFormatError for a truncated or malformed trace. */
  finish(): Model {
    if (this.carry.length > 0) {
      const rest = concat(this.carry);
      this.carry = [];
      pushLastLine(this.reader, this.decoder.decode(rest.subarray(this.bomAt(rest, 0))), this.source);
    }
    this.reader.finish();
    return (this.builder as ModelBuilder).finish(this.reader.footer);
  }

  /** Skip a byte order mark at the very start of the trace (as a TextDecoder does). */
  private bomAt(b: Uint8Array, p: number): number {
    if (!this.atStart) return p;
    this.atStart = false;
    return b[p] === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf ? p + 3 : p;
  }

  /** Lines from p to `last`, which is a newline. */
  private run(b: Uint8Array, p: number, last: number): void {
    if (this.atStart) p = this.bomAt(b, p);
    while (p <= last) {
      if (this.fast) {
        const q = this.fastLine(b, p);
        if (q >= 0) {
          p = q;
          continue;
        }
      }
      const end = b.indexOf(NL, p);
      this.reader.push(this.decoder.decode(b.subarray(p, end)));
      this.fast = this.reader.inEvents;
      p = end + 1;
    }
  }

  /**
   * One line in the fixed shape of a send, deliver, drop, duplicate or timer event: read into the model, returning the
   * position after its newline. Anything else returns -1 before changing anything, and the caller parses the line.
   */
  private fastLine(b: Uint8Array, p: number): number {
    p = match(b, p, L_START);
    if (p < 0) return -1;
    const t = this.int(b, p);
    if (Number.isNaN(t)) return -1;
    p = match(b, this.p, L_KIND);
    if (p < 0) return -1;
    const c = b[p];
    if (c === 115) return this.sendLine(b, p, t);
    if (c === 100) {
      const c1 = b[p + 1];
      if (c1 === 101) return this.deliverLine(b, p, t);
      if (c1 === 114) return this.dropLine(b, p, t);
      if (c1 === 117) return this.duplicateLine(b, p, t);
      return -1;
    }
    if (c === 116) return this.timerLine(b, p, t);
    return -1;
  }

  /** `{"t":T,"k":"send","n":"N","to":"N","i":I,"ty":"S","m":JSON,"b":B}` */
  private sendLine(b: Uint8Array, p: number, t: number): number {
    if (this.builder === null || this.builder.wantsSendEvents) return -1;
    p = match(b, p, L_SEND);
    if (p < 0) return -1;
    const n = this.str(b, p);
    if (n < 0 || (p = match(b, this.p, L_TO)) < 0) return -1;
    const to = this.str(b, p);
    if (to < 0 || (p = match(b, this.p, L_I)) < 0) return -1;
    const i = this.int(b, p);
    if (Number.isNaN(i) || (p = match(b, this.p, L_TY)) < 0) return -1;
    const ty = this.str(b, p);
    if (ty < 0 || this.builder.wantsPayload(this.strings[ty] as string)) return -1;
    if ((p = match(b, this.p, L_M)) < 0) return -1;
    p = this.skipValue(b, p);
    if (p < 0 || (p = match(b, p, L_B)) < 0) return -1;
    if (Number.isNaN(this.int(b, p))) return -1;
    p = this.p;
    if (b[p] !== CLOSE || b[p + 1] !== NL || !(t >= this.reader.lastEventTime)) return -1;
    this.reader.countEvent(t);
    this.fastLines++;
    this.builder.send(t, this.lane(n), this.lane(to), i, this.type(ty));
    return p + 2;
  }

  /** `{"t":T,"k":"deliver","n":"N","from":"N","i":I,"st":T}` */
  private deliverLine(b: Uint8Array, p: number, t: number): number {
    p = match(b, p, L_DELIVER);
    if (p < 0) return -1;
    const n = this.str(b, p);
    if (n < 0 || (p = match(b, this.p, L_FROM)) < 0) return -1;
    if (this.str(b, p) < 0 || (p = match(b, this.p, L_I)) < 0) return -1;
    const i = this.int(b, p);
    if (Number.isNaN(i) || (p = match(b, this.p, L_ST)) < 0) return -1;
    if (Number.isNaN(this.int(b, p))) return -1;
    p = this.p;
    if (b[p] !== CLOSE || b[p + 1] !== NL || !(t >= this.reader.lastEventTime)) return -1;
    this.reader.countEvent(t);
    this.fastLines++;
    (this.builder as ModelBuilder).deliver(t, this.lane(n), i);
    return p + 2;
  }

  /** `{"t":T,"k":"drop","n":"N","to":"N","i":I,"why":"S"}` */
  private dropLine(b: Uint8Array, p: number, t: number): number {
    p = match(b, p, L_DROP);
    if (p < 0) return -1;
    const n = this.str(b, p);
    if (n < 0 || (p = match(b, this.p, L_TO)) < 0) return -1;
    if (this.str(b, p) < 0 || (p = match(b, this.p, L_I)) < 0) return -1;
    const i = this.int(b, p);
    if (Number.isNaN(i) || (p = match(b, this.p, L_WHY)) < 0) return -1;
    const why = this.str(b, p);
    if (why < 0) return -1;
    p = this.p;
    if (b[p] !== CLOSE || b[p + 1] !== NL || !(t >= this.reader.lastEventTime)) return -1;
    this.reader.countEvent(t);
    this.fastLines++;
    (this.builder as ModelBuilder).drop(t, this.lane(n), i, this.strings[why] as string);
    return p + 2;
  }

  /** `{"t":T,"k":"duplicate","n":"N","to":"N","i":I,"copy":I}` */
  private duplicateLine(b: Uint8Array, p: number, t: number): number {
    p = match(b, p, L_DUPLICATE);
    if (p < 0) return -1;
    const n = this.str(b, p);
    if (n < 0 || (p = match(b, this.p, L_TO)) < 0) return -1;
    const to = this.str(b, p);
    if (to < 0 || (p = match(b, this.p, L_I)) < 0) return -1;
    const i = this.int(b, p);
    if (Number.isNaN(i) || (p = match(b, this.p, L_COPY)) < 0) return -1;
    const copy = this.int(b, p);
    if (Number.isNaN(copy)) return -1;
    p = this.p;
    if (b[p] !== CLOSE || b[p + 1] !== NL || !(t >= this.reader.lastEventTime)) return -1;
    this.reader.countEvent(t);
    this.fastLines++;
    (this.builder as ModelBuilder).duplicate(t, this.lane(n), this.lane(to), i, copy);
    return p + 2;
  }

  /** `{"t":T,"k":"timer","n":"N","name":"S"}` */
  private timerLine(b: Uint8Array, p: number, t: number): number {
    p = match(b, p, L_TIMER);
    if (p < 0) return -1;
    const n = this.str(b, p);
    if (n < 0 || (p = match(b, this.p, L_NAME)) < 0) return -1;
    p = skipString(b, p);
    if (p < 0 || b[p] !== CLOSE || b[p + 1] !== NL || !(t >= this.reader.lastEventTime)) return -1;
    this.reader.countEvent(t);
    this.fastLines++;
    (this.builder as ModelBuilder).timer(t, this.lane(n));
    return p + 2;
  }

  /** An integer without fraction or exponent and at most 15 digits (exact); NaN otherwise. Sets this.p after it. */
  private int(b: Uint8Array, p: number): number {
    let neg = false;
    if (b[p] === 45) {
      neg = true;
      p++;
    }
    let c = b[p] as number;
    let v = 0;
    if (c === 48) p++;
    else if (c >= 49 && c <= 57) {
      const s = p;
      while ((c = b[p] as number) >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        p++;
      }
      if (p - s > MAX_DIGITS) return Number.NaN;
    } else return Number.NaN;
    c = b[p] as number;
    if (c === 46 || c === 101 || c === 69) return Number.NaN;
    this.p = p;
    return neg ? -v : v;
  }

  /**
   * After the opening quote: a string without escapes or control characters, as the id of its text (-1 if it has
   * either). Sets this.p after the closing quote.
   */
  private str(b: Uint8Array, p: number): number {
    let h = 0x811c9dc5;
    const s = p;
    for (;;) {
      const c = b[p] as number;
      if (c === QUOTE) break;
      if (c < 32 || c === BACKSLASH) return -1;
      h = Math.imul(h ^ c, 16777619);
      p++;
    }
    this.p = p + 1;
    const len = p - s;
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot] as number;
      if (e < 0) return this.intern(b.slice(s, p), h, slot);
      if (this.entryHash[e] !== h) continue;
      const bytes = this.entryBytes[e] as Uint8Array;
      if (bytes.length !== len) continue;
      let j = 0;
      while (j < len && bytes[j] === b[s + j]) j++;
      if (j === len) return this.entryString[e] as number;
    }
  }

  private intern(bytes: Uint8Array, h: number, slot: number): number {
    const text = this.decoder.decode(bytes);
    // Different bytes can decode to the same text (invalid UTF-8 becomes U+FFFD): one id per text.
    let id = this.stringIds.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.stringIds.set(text, id);
      this.laneCache.push(-2);
      this.typeCache.push(-1);
    }
    const e = this.entryBytes.length;
    this.entryHash.push(h);
    this.entryBytes.push(bytes);
    this.entryString.push(id);
    this.table[slot] = e;
    if (e * 2 >= this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let e = 0; e < this.entryHash.length; e++) {
      let slot = (this.entryHash[e] as number) & mask;
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask;
      table[slot] = e;
    }
    this.table = table;
  }

  private lane(id: number): number {
    let l = this.laneCache[id] as number;
    if (l === -2) {
      l = (this.builder as ModelBuilder).lane(this.strings[id]);
      this.laneCache[id] = l;
    }
    return l;
  }

  /** A message type's index, assigned by the builder on first use (so in the same order as parsed events). */
  private type(id: number): number {
    let ti = this.typeCache[id] as number;
    if (ti < 0) {
      ti = (this.builder as ModelBuilder).typeOf(this.strings[id] as string);
      this.typeCache[id] = ti;
    }
    return ti;
  }

  /** The position after a valid JSON value (whitespace around it allowed), else -1. */
  private skipValue(b: Uint8Array, p: number): number {
    const stack = this.stack;
    let depth = 0;
    for (;;) {
      while (isWs(b[p])) p++;
      const c = b[p] as number;
      if (c === 123 || c === 91) {
        p++;
        while (isWs(b[p])) p++;
        if (b[p] === (c === 123 ? CLOSE : 93)) p++;
        else {
          if (depth === MAX_DEPTH) return -1;
          stack[depth++] = c;
          if (c === 123 && (p = this.key(b, p)) < 0) return -1;
          continue;
        }
      } else if (c === QUOTE) p = skipString(b, p + 1);
      else if (c === 45 || (c >= 48 && c <= 57)) p = skipNumber(b, p);
      else if (c === 116) p = match(b, p, TRUE);
      else if (c === 102) p = match(b, p, FALSE);
      else if (c === 110) p = match(b, p, NULL);
      else return -1;
      if (p < 0) return -1;
      // After a value: close finished containers, or move on to the next element or member.
      for (;;) {
        while (isWs(b[p])) p++;
        if (depth === 0) return p;
        const open = stack[depth - 1];
        const d = b[p];
        if (d === 44) {
          p++;
          if (open === 123 && (p = this.key(b, p)) < 0) return -1;
          break;
        }
        if (d !== (open === 123 ? CLOSE : 93)) return -1;
        p++;
        depth--;
      }
    }
  }

  /** A member's key and colon: the position after the colon, else -1. */
  private key(b: Uint8Array, p: number): number {
    while (isWs(b[p])) p++;
    if (b[p] !== QUOTE) return -1;
    p = skipString(b, p + 1);
    if (p < 0) return -1;
    while (isWs(b[p])) p++;
    return b[p] === 58 ? p + 1 : -1;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const x of parts) n += x.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** The text of trace bytes kept as chunks (for the NDJSON export and for parsing again). */
export function textOf(chunks: readonly Uint8Array[]): string {
  const d = new TextDecoder();
  let s = "";
  for (const c of chunks) s += d.decode(c, { stream: true });
  return s + d.decode();
}
