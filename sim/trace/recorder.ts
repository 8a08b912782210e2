import { assert } from "../core/assert.ts";
import type { Micros } from "../core/types.ts";
import type {
  BlockedDirection,
  ClientOpOutcome,
  DiskFaultKind,
  DropReason,
  PartitionKind,
  TraceEvent,
  TraceEventKind,
  TraceFooter,
  TraceHeader,
} from "./events.ts";
import { TraceHash } from "./hash.ts";
import type { TraceSink } from "./sink.ts";

const K = {
  send: 0, deliver: 1, drop: 2, duplicate: 3, timer: 4, crash: 5, restart: 6, partition: 7, heal: 8, link: 9,
  clock: 10, disk: 11, invoke: 12, ok: 13, fail: 14, info: 15, state: 16, note: 17, violation: 18,
} as const satisfies Record<TraceEventKind, number>;

const OUTCOME_KIND = { ok: K.ok, fail: K.fail, info: K.info } as const;

/**
 * The in-memory trace: columnar typed arrays in fixed-size chunks, one row per event, plus per chunk a dense array of
 * the payload objects (messages, ops, views) of the rows that carry one. Appending stores a few small integers and at
 * most one reference; nothing is serialised until the end. Repeated strings (message types, timer names, drop
 * reasons) are interned to small integers.
 *
 * Rows are 21 bytes. On this VM every fresh page costs a fault of ~12us (about 3ns per byte retained), so bytes per
 * row is the cost that matters: the first layout (Float64 time and ids, an object slot per row: 45 bytes) spent
 * more time faulting in the trace than running the simulation. Time is stored as a Uint32 offset from an epoch base
 * (a new epoch starts whenever an offset would not fit, so any run length works); endpoints as Uint16; ids, sizes
 * and counters as Uint32. Values that do not fit (a delivery delay of over 71 minutes, a clock's offset and drift)
 * go to the row's payload. Bit 0x80 of the kind says the row has a payload, so payload i of a chunk belongs to the
 * i-th flagged row.
 *
 * Row layout by kind: n = node/endpoint/client index, p = peer index, x = message or request id, y = bytes /
 * delivery delay / copy id / process, s = interned string.
 */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
const HAS_PAYLOAD = 0x80;
const KIND_MASK = 0x7f;
/** Endpoint index meaning "none" (-1). */
const NO_ENDPOINT = 0xffff;
const U32_MAX = 0xffffffff;
/** y of a deliver row whose delay does not fit: the sent time is the payload. */
const WIDE = U32_MAX;

/** One chunk of rows. Chunks are never copied or resized: growing the trace allocates a new chunk. */
class Chunk {
  readonly t = new Uint32Array(CHUNK);
  readonly k = new Uint8Array(CHUNK);
  readonly n = new Uint16Array(CHUNK);
  readonly p = new Uint16Array(CHUNK);
  readonly x = new Uint32Array(CHUNK);
  readonly y = new Uint32Array(CHUNK);
  readonly s = new Uint32Array(CHUNK);
  /** Payloads of the flagged rows, in row order. */
  readonly o: unknown[] = [];
}

function u32(v: number, what: string): number {
  assert(v >= 0 && v <= U32_MAX && Number.isInteger(v), () => `trace: ${what} must be an integer in [0, 2^32), got ${v}`);
  return v;
}

export class TraceRecorder implements TraceSink {
  private readonly chunks: Chunk[] = [];
  private cur: Chunk = new Chunk();
  private len = 0;
  /** Time epochs: rows from epochRow[e] on store t - epochBase[e]. */
  private readonly epochRow: number[] = [0];
  private readonly epochBase: number[] = [0];
  private base = 0;
  /** One-entry caches in front of the intern map: consecutive rows often repeat a message type or timer name. */
  private lastText = "";
  private lastTextIndex = -1;
  private readonly strings: string[] = [];
  /** JSON of each interned string, computed once. */
  private readonly stringJson: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly endpointJson: string[];
  private readonly clientJson: string[];
  private footer: TraceFooter | null = null;
  private readonly recordMessages: boolean;

  constructor(readonly header: TraceHeader) {
    this.chunks.push(this.cur);
    const endpoints = header.nodes.length + header.clients.length;
    assert(endpoints < NO_ENDPOINT, () => `trace: at most ${NO_ENDPOINT - 1} nodes and clients together, got ${endpoints}`);
    this.endpointJson = [...header.nodes.map((n) => n.id), ...header.clients.map((c) => c.id)].map((id) => JSON.stringify(id));
    this.clientJson = header.clients.map((c) => JSON.stringify(c.id));
    this.recordMessages = header.scenario.trace.recordMessages;
  }

  get count(): number {
    return this.len;
  }

  /** Bytes held by the typed columns (payload objects not included). */
  get columnBytes(): number {
    return this.chunks.length * CHUNK * (4 + 1 + 2 + 2 + 4 + 4 + 4);
  }

  finish(t: Micros, stop: TraceFooter["stop"]): void {
    this.footer = { k: "end", t, events: this.len, stop };
  }

  /** Time of row i. */
  timeOf(i: number): Micros {
    return this.baseOf(i) + ((this.chunks[i >>> CHUNK_BITS] as Chunk).t[i & MASK] as number);
  }

  // --- TraceSink -------------------------------------------------------------------------------------------------

  send(t: Micros, from: number, to: number, id: number, type: string, msg: unknown, bytes: number): void {
    if (this.recordMessages) this.rowP(t, K.send, from, to, id, bytes, this.intern(type), msg);
    else this.row(t, K.send, from, to, id, bytes, this.intern(type));
  }
  deliver(t: Micros, from: number, to: number, id: number, sentAt: Micros): void {
    const delay = t - sentAt;
    if (delay >= 0 && delay < WIDE) this.row(t, K.deliver, to, from, id, delay, 0);
    else this.rowP(t, K.deliver, to, from, id, WIDE, 0, sentAt);
  }
  drop(t: Micros, from: number, to: number, id: number, why: DropReason): void {
    this.row(t, K.drop, from, to, id, 0, this.intern(why));
  }
  duplicate(t: Micros, from: number, to: number, id: number, copy: number): void {
    this.row(t, K.duplicate, from, to, id, copy, 0);
  }
  timer(t: Micros, node: number, name: string): void {
    this.row(t, K.timer, node, 0, 0, 0, this.intern(name));
  }
  crash(t: Micros, node: number): void {
    this.row(t, K.crash, node, 0, 0, 0, 0);
  }
  restart(t: Micros, node: number): void {
    this.row(t, K.restart, node, 0, 0, 0, 0);
  }
  partition(t: Micros, id: string, kind: PartitionKind, blocks: BlockedDirection[]): void {
    this.rowP(t, K.partition, 0, 0, 0, 0, this.intern(kind), { id, blocks });
  }
  heal(t: Micros, id: string): void {
    this.row(t, K.heal, 0, 0, 0, 0, this.intern(id));
  }
  link(t: Micros, a: string, b: string, change: Record<string, unknown>): void {
    this.rowP(t, K.link, 0, 0, 0, 0, 0, { a, b, change });
  }
  clock(t: Micros, node: number, offset: Micros, drift: number): void {
    this.rowP(t, K.clock, node, 0, 0, 0, 0, [offset, drift]);
  }
  disk(t: Micros, node: number, fault: DiskFaultKind, key: string | null): void {
    this.rowP(t, K.disk, node, 0, 0, 0, this.intern(fault), key);
  }
  invoke(t: Micros, client: number, process: number, req: number, node: number, op: unknown): void {
    this.rowP(t, K.invoke, client, node, req, process, 0, op);
  }
  complete(t: Micros, outcome: ClientOpOutcome, client: number, process: number, req: number, node: number, value: unknown): void {
    this.rowP(t, OUTCOME_KIND[outcome], client, node, req, process, 0, value);
  }
  state(t: Micros, node: number, view: Record<string, unknown>): void {
    this.rowP(t, K.state, node, 0, 0, 0, 0, view);
  }
  note(t: Micros, node: number, text: string, data: Record<string, unknown> | undefined): void {
    this.rowP(t, K.note, node, 0, 0, 0, 0, data === undefined ? { text } : { text, data });
  }
  violation(t: Micros, check: string, message: string, node: number): void {
    this.rowP(t, K.violation, node, 0, 0, 0, 0, { check, message });
  }

  // --- reading back ----------------------------------------------------------------------------------------------

  /** The NDJSON lines of the trace (header, events, footer), without newlines. */
  *lines(): Generator<string> {
    yield JSON.stringify(this.header);
    let chunk = -1;
    let c = this.cur;
    let payload = 0;
    let epoch = 0;
    let nextEpochRow = this.epochRow.length > 1 ? (this.epochRow[1] as number) : Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.len; i++) {
      if (i >>> CHUNK_BITS !== chunk) {
        chunk = i >>> CHUNK_BITS;
        c = this.chunks[chunk] as Chunk;
        payload = 0;
      }
      if (i === nextEpochRow) {
        epoch++;
        nextEpochRow = epoch + 1 < this.epochRow.length ? (this.epochRow[epoch + 1] as number) : Number.POSITIVE_INFINITY;
      }
      const j = i & MASK;
      const flagged = ((c.k[j] as number) & HAS_PAYLOAD) !== 0;
      yield this.format(c, j, this.epochBase[epoch] as number, flagged ? c.o[payload] : undefined);
      if (flagged) payload++;
    }
    yield JSON.stringify(this.footer ?? { k: "end", t: this.len > 0 ? this.timeOf(this.len - 1) : 0, events: this.len, stop: "duration" });
  }

  toNdjson(): string {
    const parts: string[] = [];
    for (const l of this.lines()) parts.push(l);
    return `${parts.join("\n")}\n`;
  }

  /** Hash of exactly the NDJSON text (lines joined by "\n", trailing newline). */
  hash(): string {
    const h = new TraceHash();
    for (const l of this.lines()) h.update(l).update("\n");
    return h.digest();
  }

  event(i: number): TraceEvent {
    return JSON.parse(this.line(i)) as TraceEvent;
  }

  *events(): Generator<TraceEvent> {
    let first = true;
    for (const l of this.lines()) {
      if (first) first = false;
      else if (l.startsWith('{"k":"end"')) return;
      else yield JSON.parse(l) as TraceEvent;
    }
  }

  /** One event as a JSON line (random access: finds the row's payload by counting the flagged rows before it). */
  line(i: number): string {
    assert(i >= 0 && i < this.len, () => `trace event ${i} out of range [0, ${this.len})`);
    const c = this.chunks[i >>> CHUNK_BITS] as Chunk;
    const j = i & MASK;
    let payload = 0;
    for (let r = 0; r < j; r++) if (((c.k[r] as number) & HAS_PAYLOAD) !== 0) payload++;
    return this.format(c, j, this.baseOf(i), ((c.k[j] as number) & HAS_PAYLOAD) !== 0 ? c.o[payload] : undefined);
  }

  /** Row j of chunk c as a JSON line, built by hand from the columns (JSON.stringify only for payloads). */
  private format(c: Chunk, j: number, base: number, o: unknown): string {
    const t = base + (c.t[j] as number);
    const nRaw = c.n[j] as number;
    const pRaw = c.p[j] as number;
    const n = nRaw === NO_ENDPOINT ? -1 : nRaw;
    const p = pRaw === NO_ENDPOINT ? -1 : pRaw;
    const x = c.x[j] as number;
    const y = c.y[j] as number;
    const kind = (c.k[j] as number) & KIND_MASK;
    const ep = this.endpointJson;
    const str = () => this.stringJson[c.s[j] as number] as string;
    switch (kind) {
      case K.send:
        return `{"t":${t},"k":"send","n":${ep[n]},"to":${ep[p]},"i":${x},"ty":${str()},"m":${o === undefined ? "null" : JSON.stringify(o)},"b":${y}}`;
      case K.deliver:
        return `{"t":${t},"k":"deliver","n":${ep[n]},"from":${ep[p]},"i":${x},"st":${y === WIDE && o !== undefined ? (o as number) : t - y}}`;
      case K.drop:
        return `{"t":${t},"k":"drop","n":${ep[n]},"to":${ep[p]},"i":${x},"why":${str()}}`;
      case K.duplicate:
        return `{"t":${t},"k":"duplicate","n":${ep[n]},"to":${ep[p]},"i":${x},"copy":${y}}`;
      case K.timer:
        return `{"t":${t},"k":"timer","n":${ep[n]},"name":${str()}}`;
      case K.crash:
        return `{"t":${t},"k":"crash","n":${ep[n]}}`;
      case K.restart:
        return `{"t":${t},"k":"restart","n":${ep[n]}}`;
      case K.partition: {
        const v = o as { id: string; blocks: BlockedDirection[] };
        return `{"t":${t},"k":"partition","id":${JSON.stringify(v.id)},"kind":${str()},"blocks":${JSON.stringify(v.blocks)}}`;
      }
      case K.heal:
        return `{"t":${t},"k":"heal","id":${str()}}`;
      case K.link: {
        const v = o as { a: string; b: string; change: Record<string, unknown> };
        return `{"t":${t},"k":"link","a":${JSON.stringify(v.a)},"b":${JSON.stringify(v.b)},"change":${JSON.stringify(v.change)}}`;
      }
      case K.clock: {
        const v = o as [number, number];
        return `{"t":${t},"k":"clock","n":${ep[n]},"offset":${JSON.stringify(v[0])},"drift":${JSON.stringify(v[1])}}`;
      }
      case K.disk:
        return `{"t":${t},"k":"disk","n":${ep[n]},"fault":${str()},"key":${JSON.stringify(o ?? null)}}`;
      case K.invoke:
        return `{"t":${t},"k":"invoke","c":${this.clientJson[n]},"p":${y},"r":${x},"n":${ep[p]},"op":${JSON.stringify(o)}}`;
      case K.ok:
      case K.fail:
      case K.info: {
        const outcome = kind === K.ok ? "ok" : kind === K.fail ? "fail" : "info";
        return `{"t":${t},"k":"${outcome}","c":${this.clientJson[n]},"p":${y},"r":${x},"n":${p < 0 ? "null" : ep[p]},"v":${JSON.stringify(o ?? null)}}`;
      }
      case K.state:
        return `{"t":${t},"k":"state","n":${ep[n]},"v":${JSON.stringify(o)}}`;
      case K.note: {
        const v = o as { text: string; data?: Record<string, unknown> };
        const data = v.data === undefined ? "" : `,"data":${JSON.stringify(v.data)}`;
        return `{"t":${t},"k":"note","n":${ep[n]},"text":${JSON.stringify(v.text)}${data}}`;
      }
      case K.violation: {
        const v = o as { check: string; message: string };
        const node = n >= 0 ? `,"n":${ep[n]}` : "";
        return `{"t":${t},"k":"violation","check":${JSON.stringify(v.check)},"message":${JSON.stringify(v.message)}${node}}`;
      }
      default:
        throw new Error(`trace row has unknown kind ${kind}`);
    }
  }

  /** Epoch base time of row i. */
  private baseOf(i: number): number {
    const rows = this.epochRow;
    let lo = 0;
    let hi = rows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((rows[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.epochBase[lo] as number;
  }

  private intern(text: string): number {
    if (text === this.lastText) return this.lastTextIndex;
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringJson.push(JSON.stringify(text));
      this.stringIndex.set(text, i);
    }
    this.lastText = text;
    this.lastTextIndex = i;
    return i;
  }

  /** Append a row with a payload. */
  private rowP(t: Micros, k: number, n: number, p: number, x: number, y: number, s: number, o: unknown): void {
    this.row(t, k | HAS_PAYLOAD, n, p, x, y, s);
    this.cur.o.push(o);
  }

  private row(t: Micros, k: number, n: number, p: number, x: number, y: number, s: number): void {
    const i = this.len;
    const j = i & MASK;
    let c = this.cur;
    if (j === 0 && i > 0) {
      c = new Chunk();
      this.chunks.push(c);
      this.cur = c;
    }
    let dt = t - this.base;
    if (!(dt >= 0 && dt <= U32_MAX)) {
      this.epochRow.push(i);
      this.epochBase.push(t);
      this.base = t;
      dt = 0;
    }
    c.t[j] = dt;
    c.k[j] = k;
    c.n[j] = n < 0 ? NO_ENDPOINT : n;
    c.p[j] = p < 0 ? NO_ENDPOINT : p;
    c.x[j] = x <= U32_MAX && x >= 0 ? x : u32(x, "an id");
    c.y[j] = y <= U32_MAX && y >= 0 ? y : u32(y, "a size or counter");
    c.s[j] = s;
    this.len = i + 1;
  }
}
