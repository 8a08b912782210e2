import { assert } from "../core/assert.ts";
import type { Micros } from "../core/types.ts";
import type {
  BlockedDirection,
  ClientOpOutcome,
  DiskFaultKind,
  DropReason,
  PartitionKind,
  TraceEvent,
  TraceFooter,
  TraceHeader,
} from "./events.ts";
import { TRACE_EVENT_KINDS, traceKindCodes } from "./events.ts";
import { CodecTables, Cursor, putUv, V_REF, zz } from "./codec.ts";
import { TraceHash } from "./hash.ts";
import type { TraceSink } from "./sink.ts";

/** Kind codes of the in-memory rows: each kind's index in TRACE_EVENT_KINDS (0 send .. 19 metric). */
const K = traceKindCodes();

/**
 * Compact forms of the commonest rows (not trace event kinds of their own: they decode to send, deliver and drop).
 * A send whose id is the last id + 1 (every send but one after a network copy) stores no id. A delivery or drop of a
 * message sent earlier in the same block stores only the id: the endpoints and the send time come from the send row,
 * which the encoder and the decoder both remember in a ring indexed by message id.
 */
const K_SEND_NEXT = TRACE_EVENT_KINDS.length;
const K_DELIVER_SENT = K_SEND_NEXT + 1;
const K_DROP_SENT = K_SEND_NEXT + 2;
/** Sends remembered for compact deliveries and drops: a delivery more than this many sends later is written in full. */
const RING = 1 << 14;
const RING_MASK = RING - 1;

/**
 * Rows of the four commonest kinds (send, deliver, drop, timer: nearly all of a long run) are not encoded when the
 * engine reports them: they are staged as fixed-width numbers in typed columns, and a batch of up to STAGE rows is
 * encoded in one go (`flush`) when the stage is full, before any other kind of row, and before anything reads the
 * trace. The bytes are exactly those of encoding each row at once (the same encoder runs in the same row order); what
 * changes is where the time goes. The engine's hot path then does a few stores per row instead of the varint,
 * interning and payload code, so it stays small and compiles quickly, and the encoder runs as one tight loop.
 * Measured on ping-5 (5.3M rows): see bench/RESULTS.md.
 */
const STAGE = 4096;
const S_SEND = 0;
const S_DELIVER = 1;
const S_DROP = 2;
const S_TIMER = 3;

/** The last RING sends by id: (id, time, from, to). Kept by the encoder and rebuilt by the decoder. */
class SendRing {
  readonly id = new Float64Array(RING).fill(-1);
  readonly t = new Float64Array(RING);
  readonly from = new Int32Array(RING);
  readonly to = new Int32Array(RING);
}

const OUTCOME_KIND = { ok: K.ok, fail: K.fail, info: K.info } as const;

/**
 * A read position with the row decoder's state (the time and message id rows are relative to, the sends seen in the
 * block). Each reading has its own, so reading row i while an iterator over the lines is open does not move the
 * iterator (it did when the state was the recorder's: the iterator's later rows came out wrong).
 */
class RowCursor extends Cursor {
  time = 0;
  id = 0;
  ring: SendRing | null = null;
}

/**
 * The in-memory trace: rows encoded as bytes into blocks (1 MiB, then 8 MiB) (see codec.ts), one row per event. A row
 * is a kind byte, the time since the previous row (zigzag varint), then the kind's fields as varints: endpoint indices
 * (+1, so -1 is 0), message ids as deltas from the last sent id, a delivery's delay instead of its send time,
 * interned strings by index. Payloads (messages, ops, views, values) are encoded inline when they are primitives or
 * flat objects, and otherwise kept as references in the block's object list and serialised at the end.
 *
 * Bytes per row is the cost that matters here: each fresh page costs a ~12us fault on this VM, and each retained
 * object costs the garbage collector. Measured on ping-5 (5.3M rows): the first layout (typed columns of Float64s
 * plus an object per message, 45 bytes a row and a 40-byte object per send) spent more time than the simulation
 * itself; this one averages 9.7 bytes a row (12.6 before deliveries and drops referred to their send row) and
 * keeps no message objects.
 */
const FIRST_BLOCK_BYTES = 1 << 20;
/**
 * Later blocks are bigger: a long run's trace is mostly fresh memory, and each first touch of a 4 KiB page costs a
 * fault (~12us on this VM, ~140ms of ping-5's 42 MB). An 8 MiB block is big enough for the kernel to back it with
 * 2 MiB transparent huge pages when malloc asks for them (glibc's `glibc.malloc.hugetlb=1` tunable, which the bench
 * sets for its workload processes): then the same 42 MB costs ~21 faults. A short run still allocates only 1 MiB.
 */
const BLOCK_BYTES = 8 << 20;
/** Room a row's fixed fields may need (kind, time delta and up to five varints). */
const ROW_ROOM = 64;
/** Hints for flat-object shapes: fixed call sites first, then one per message type. */
const HINT_VIEW = 0;
const HINT_OP = 1;
const HINT_VALUE = 2;
const HINT_NOTE = 3;
const HINT_MESSAGE = 4;

class Block {
  readonly b: Uint8Array;
  /** Payloads kept as references, in row order. */
  readonly refs: unknown[] = [];
  /** Decoder state at the block's first row. */
  constructor(
    readonly firstRow: number,
    readonly startTime: number,
    readonly startMessageId: number,
    bytes: number,
  ) {
    this.b = new Uint8Array(bytes);
  }
  end = 0;
}

export class TraceRecorder implements TraceSink {
  private readonly blocks: Block[] = [];
  private cur: Block;
  private buf: Uint8Array;
  private pos = 0;
  private len = 0;
  private lastTime = 0;
  /** The id of the last message sent: message ids in rows are stored relative to it. */
  private lastId = 0;
  private readonly tables = new CodecTables();
  private readonly endpointJson: string[];
  private readonly clientJson: string[];
  private footer: TraceFooter | null = null;
  private readonly recordMessages: boolean;
  private readonly ring = new SendRing();
  /** The sends ring of random access (`line`), kept: reading a row decodes its block up to it. */
  private lineRing: SendRing | null = null;
  /**
   * Staged rows: a kind, endpoints (a, b) and numbers (t, id, x) per row: a send's (from, to) and (t, id, bytes), a
   * delivery's (from, to) and (t, id, sentAt), a drop's (from, to) and (t, id), a timer's (node) and (t). Endpoints are
   * small integers (int32 columns keep them integers for the encoder); times, ids and sizes may not be.
   */
  private staged = 0;
  private readonly sKind = new Uint8Array(STAGE);
  private readonly sEnd = new Int32Array(STAGE * 2);
  private readonly sNum = new Float64Array(STAGE * 3);
  /** A send's type, a drop's reason, a timer's name. */
  private readonly sText: string[] = new Array<string>(STAGE).fill("");
  /** A send's message. */
  private readonly sMsg: unknown[] = new Array<unknown>(STAGE).fill(undefined);

  constructor(readonly header: TraceHeader) {
    this.cur = new Block(0, 0, 0, FIRST_BLOCK_BYTES);
    this.blocks.push(this.cur);
    this.buf = this.cur.b;
    this.endpointJson = [...header.nodes.map((n) => n.id), ...header.clients.map((c) => c.id)].map((id) =>
      JSON.stringify(id),
    );
    this.clientJson = header.clients.map((c) => JSON.stringify(c.id));
    this.recordMessages = header.scenario.trace.recordMessages;
  }

  get count(): number {
    return this.len + this.staged;
  }

  /** Bytes of encoded rows (payloads kept as references not included). */
  get encodedBytes(): number {
    this.flush();
    let done = 0;
    for (let i = 0; i < this.blocks.length - 1; i++) done += (this.blocks[i] as Block).end;
    return done + this.pos;
  }

  finish(t: Micros, stop: TraceFooter["stop"]): void {
    this.flush();
    this.footer = { k: "end", t, events: this.len, stop };
  }

  // --- TraceSink -------------------------------------------------------------------------------------------------

  send(t: Micros, from: number, to: number, id: number, type: string, msg: unknown, bytes: number): void {
    const i = this.stage(t, S_SEND, from, to, id);
    this.sNum[i * 3 + 2] = bytes;
    this.sText[i] = type;
    this.sMsg[i] = msg;
  }
  deliver(t: Micros, from: number, to: number, id: number, sentAt: Micros): void {
    const i = this.stage(t, S_DELIVER, from, to, id);
    this.sNum[i * 3 + 2] = sentAt;
  }
  drop(t: Micros, from: number, to: number, id: number, why: DropReason): void {
    const i = this.stage(t, S_DROP, from, to, id);
    this.sText[i] = why;
  }
  timer(t: Micros, node: number, name: string): void {
    const i = this.stage(t, S_TIMER, node, 0, 0);
    this.sText[i] = name;
  }

  /** Take a stage slot for a row (encoding the stage first when it is full). */
  private stage(t: Micros, kind: number, a: number, b: number, id: number): number {
    if (!Number.isSafeInteger(t)) assert(false, `trace: event time must be a whole number of microseconds, got ${t}`);
    if (this.staged === STAGE) this.flush();
    const i = this.staged++;
    this.sKind[i] = kind;
    this.sEnd[i * 2] = a;
    this.sEnd[i * 2 + 1] = b;
    this.sNum[i * 3] = t;
    this.sNum[i * 3 + 1] = id;
    return i;
  }

  /** Encode the staged rows, in order. */
  private flush(): void {
    const rows = this.staged;
    if (rows === 0) return;
    this.staged = 0;
    const k = this.sKind;
    const e = this.sEnd;
    const n = this.sNum;
    const text = this.sText;
    const msg = this.sMsg;
    for (let i = 0; i < rows; i++) {
      const a = e[i * 2] as number;
      const o = i * 3;
      switch (k[i]) {
        case S_SEND:
          this.encSend(
            n[o] as number,
            a,
            e[i * 2 + 1] as number,
            n[o + 1] as number,
            text[i] as string,
            msg[i],
            n[o + 2] as number,
          );
          msg[i] = undefined;
          break;
        case S_DELIVER:
          this.encDeliver(n[o] as number, a, e[i * 2 + 1] as number, n[o + 1] as number, n[o + 2] as number);
          break;
        case S_DROP:
          this.encDrop(n[o] as number, a, e[i * 2 + 1] as number, n[o + 1] as number, text[i] as DropReason);
          break;
        default:
          this.encTimer(n[o] as number, a, text[i] as string);
      }
    }
  }

  private encSend(t: Micros, from: number, to: number, id: number, type: string, msg: unknown, bytes: number): void {
    const s = this.tables.intern(type);
    const next = id === this.lastId + 1;
    let pos = this.rowHead(t, next ? K_SEND_NEXT : K.send);
    const b = this.buf;
    pos = putUv(b, pos, from + 1);
    pos = putUv(b, pos, to + 1);
    if (!next) pos = putUv(b, pos, zz(id - this.lastId));
    this.lastId = id;
    const ring = this.ring;
    const slot = id & RING_MASK;
    ring.id[slot] = id;
    ring.t[slot] = t;
    ring.from[slot] = from;
    ring.to[slot] = to;
    pos = putUv(b, pos, bytes);
    pos = putUv(b, pos, s);
    this.pos = pos;
    if (this.recordMessages) this.value(msg, HINT_MESSAGE + s, type);
  }
  /** Was message `id` sent from `from` to `to` at `sentAt` earlier in the current block (and is it in the ring)? */
  private sentInBlock(id: number, from: number, to: number, sentAt: number): boolean {
    if (this.pos + ROW_ROOM > this.buf.length) this.newBlock(); // the row starts a new block: decide against that block
    const ring = this.ring;
    const slot = id & RING_MASK;
    return (
      ring.id[slot] === id &&
      id > this.cur.startMessageId &&
      ring.from[slot] === from &&
      ring.to[slot] === to &&
      ring.t[slot] === sentAt
    );
  }

  private encDeliver(t: Micros, from: number, to: number, id: number, sentAt: Micros): void {
    if (this.sentInBlock(id, from, to, sentAt)) {
      this.pos = this.rowHeadWith(t, K_DELIVER_SENT, zz(id - this.lastId));
      return;
    }
    let pos = this.rowHead(t, K.deliver);
    const b = this.buf;
    pos = putUv(b, pos, to + 1);
    pos = putUv(b, pos, from + 1);
    pos = putUv(b, pos, zz(id - this.lastId));
    this.pos = putUv(b, pos, zz(t - sentAt));
  }
  private encDrop(t: Micros, from: number, to: number, id: number, why: DropReason): void {
    const s = this.tables.intern(why);
    const slot = id & RING_MASK;
    if (this.sentInBlock(id, from, to, this.ring.t[slot] as number)) {
      const pos = this.rowHeadWith(t, K_DROP_SENT, zz(id - this.lastId));
      this.pos = putUv(this.buf, pos, s);
      return;
    }
    let pos = this.rowHead(t, K.drop);
    const b = this.buf;
    pos = putUv(b, pos, from + 1);
    pos = putUv(b, pos, to + 1);
    pos = putUv(b, pos, zz(id - this.lastId));
    this.pos = putUv(b, pos, s);
  }
  duplicate(t: Micros, from: number, to: number, id: number, copy: number): void {
    let pos = this.head(t, K.duplicate);
    const b = this.buf;
    pos = putUv(b, pos, from + 1);
    pos = putUv(b, pos, to + 1);
    pos = putUv(b, pos, zz(id - this.lastId));
    this.pos = putUv(b, pos, zz(copy - this.lastId));
  }
  private encTimer(t: Micros, node: number, name: string): void {
    const s = this.tables.intern(name);
    const pos = this.rowHeadWith(t, K.timer, node + 1);
    this.pos = putUv(this.buf, pos, s);
  }
  crash(t: Micros, node: number): void {
    this.pos = this.headWith(t, K.crash, node + 1);
  }
  restart(t: Micros, node: number): void {
    this.pos = this.headWith(t, K.restart, node + 1);
  }
  partition(t: Micros, id: string, kind: PartitionKind, blocks: BlockedDirection[]): void {
    const pos = this.head(t, K.partition);
    this.pos = putUv(this.buf, pos, this.tables.intern(kind));
    this.ref({ id, blocks });
  }
  heal(t: Micros, id: string): void {
    const pos = this.head(t, K.heal);
    this.pos = putUv(this.buf, pos, this.tables.intern(id));
  }
  link(t: Micros, a: string, b: string, change: Record<string, unknown>): void {
    this.pos = this.head(t, K.link);
    this.ref({ a, b, change });
  }
  clock(t: Micros, node: number, offset: Micros, drift: number): void {
    this.pos = this.headWith(t, K.clock, node + 1);
    this.value(offset, HINT_VALUE);
    this.value(drift, HINT_VALUE);
  }
  disk(t: Micros, node: number, fault: DiskFaultKind, key: string | null): void {
    const pos = this.headWith(t, K.disk, node + 1);
    this.pos = putUv(this.buf, pos, this.tables.intern(fault));
    this.value(key, HINT_VALUE);
  }
  invoke(t: Micros, client: number, process: number, req: number, node: number, op: unknown): void {
    this.client(t, K.invoke, client, process, req, node);
    this.value(op, HINT_OP);
  }
  complete(
    t: Micros,
    outcome: ClientOpOutcome,
    client: number,
    process: number,
    req: number,
    node: number,
    value: unknown,
  ): void {
    this.client(t, OUTCOME_KIND[outcome], client, process, req, node);
    this.value(value, HINT_VALUE);
  }
  state(t: Micros, node: number, view: Record<string, unknown>): void {
    this.pos = this.headWith(t, K.state, node + 1);
    this.value(view, HINT_VIEW);
  }
  note(t: Micros, node: number, text: string, data: Record<string, unknown> | undefined): void {
    this.pos = this.headWith(t, K.note, node + 1);
    this.value(text, HINT_VALUE);
    this.value(data, HINT_NOTE);
  }
  violation(t: Micros, check: string, message: string, node: number, ops?: readonly number[]): void {
    this.pos = this.headWith(t, K.violation, node + 1);
    this.value(check, HINT_VALUE);
    this.value(message, HINT_VALUE);
    this.value(ops, HINT_VALUE);
  }
  metric(t: Micros, node: number, name: string, label: string | null, value: number): void {
    const pos = this.headWith(t, K.metric, node + 1);
    this.pos = putUv(this.buf, pos, this.tables.intern(name));
    this.value(label, HINT_VALUE);
    this.value(value, HINT_VALUE);
  }

  // --- reading back ----------------------------------------------------------------------------------------------

  /** The NDJSON lines of the trace (header, events, footer), without newlines. */
  *lines(): Generator<string> {
    yield JSON.stringify(this.header);
    const c = new RowCursor();
    // Flushed at each block and before the footer (not only once): rows recorded while the iterator is open are
    // read as they were before rows were staged (a block's rows are counted when it is entered, later blocks seen).
    for (const block of this.blocks) {
      this.flush();
      this.enter(c, block);
      const rows = this.rowsIn(block);
      for (let r = 0; r < rows; r++) yield this.decode(c);
    }
    this.flush();
    yield JSON.stringify(
      this.footer ?? { k: "end", t: this.len > 0 ? this.lastTime : 0, events: this.len, stop: "duration" },
    );
  }

  toNdjson(): string {
    const parts: string[] = [];
    for (const l of this.lines()) parts.push(l);
    return `${parts.join("\n")}\n`;
  }

  /** Hash of exactly the NDJSON text (lines joined by "\n", trailing newline). */
  hash(): string {
    const h = new TraceHash();
    // Lines are hashed a batch at a time, joined: a decoded line is a string built of many pieces, which charCodeAt
    // walks piece by piece, while a joined batch is one flat string (hashing each line alone took ~3x as long).
    let batch: string[] = [];
    let size = 0;
    for (const l of this.lines()) {
      batch.push(l);
      size += l.length;
      if (size >= 1 << 16) {
        h.update(batch.join("\n")).update("\n");
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) h.update(batch.join("\n")).update("\n");
    return h.digest();
  }

  event(i: number): TraceEvent {
    return JSON.parse(this.line(i)) as TraceEvent;
  }

  *events(): Generator<TraceEvent> {
    let i = -1;
    for (const l of this.lines()) {
      if (i >= 0 && i < this.len) yield JSON.parse(l) as TraceEvent;
      i++;
    }
  }

  /** One event as a JSON line (random access: decodes its block up to the row). */
  line(i: number): string {
    this.flush();
    assert(i >= 0 && i < this.len, () => `trace event ${i} out of range [0, ${this.len})`);
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.blocks[mid] as Block).firstRow <= i) lo = mid;
      else hi = mid - 1;
    }
    const block = this.blocks[lo] as Block;
    const c = new RowCursor();
    c.ring = this.lineRing ??= new SendRing();
    this.enter(c, block);
    for (let r = block.firstRow; r < i; r++) this.decode(c);
    return this.decode(c);
  }

  // --- encoding --------------------------------------------------------------------------------------------------

  /**
   * Start a row of a kind that is not staged: the staged rows before it are encoded first, so rows stay in order.
   * Returns the position after the kind and the time delta.
   */
  private head(t: Micros, kind: number): number {
    this.flush();
    if (!Number.isSafeInteger(t)) assert(false, `trace: event time must be a whole number of microseconds, got ${t}`);
    return this.rowHead(t, kind);
  }

  /**
   * head() and rowHead() followed by the row's first field. Starting a row may start a new block, so the field must be
   * written into `this.buf` as it is after that (`putUv(this.buf, this.head(...), v)` reads the buffer first, and
   * wrote the first field of a row that began a block into the old block).
   */
  private headWith(t: Micros, kind: number, first: number): number {
    const pos = this.head(t, kind);
    return putUv(this.buf, pos, first);
  }
  private rowHeadWith(t: Micros, kind: number, first: number): number {
    const pos = this.rowHead(t, kind);
    return putUv(this.buf, pos, first);
  }

  /** Start a row (staged rows' times were checked when staged): room for its fixed fields, the kind, the time delta. */
  private rowHead(t: Micros, kind: number): number {
    if (this.pos + ROW_ROOM > this.buf.length) this.newBlock();
    const b = this.buf;
    b[this.pos] = kind;
    const pos = putUv(b, this.pos + 1, zz(t - this.lastTime));
    this.lastTime = t;
    this.len++;
    return pos;
  }

  private client(t: Micros, kind: number, client: number, process: number, req: number, node: number): void {
    let pos = this.head(t, kind);
    const b = this.buf;
    pos = putUv(b, pos, client + 1);
    pos = putUv(b, pos, node + 1);
    pos = putUv(b, pos, req);
    this.pos = putUv(b, pos, process);
  }

  /** Encode a payload inline when it is a primitive or a flat object, else keep a reference. */
  private value(v: unknown, hint: number, hintText: string | null = null): void {
    const b = this.buf;
    if (this.pos + ROW_ROOM > this.buf.length) {
      // The row's start is in this block, so its payload must be too: keep a reference.
      this.ref(v);
      return;
    }
    const pos =
      typeof v === "object" && v !== null
        ? this.tables.putFlat(b, this.pos, b.length, v, hint, hintText)
        : this.tables.putPrimitive(b, this.pos, v);
    if (pos < 0) return this.ref(v);
    this.pos = pos;
  }

  private ref(v: unknown): void {
    this.buf[this.pos++] = V_REF;
    this.cur.refs.push(v);
  }

  private newBlock(): void {
    this.cur.end = this.pos;
    this.cur = new Block(this.len, this.lastTime, this.lastId, BLOCK_BYTES);
    this.blocks.push(this.cur);
    this.buf = this.cur.b;
    this.pos = 0;
    this.tables.resetHints(); // a block decodes on its own
  }

  // --- decoding --------------------------------------------------------------------------------------------------

  private enter(c: RowCursor, block: Block): void {
    c.b = block.b;
    c.pos = 0;
    c.ref = 0;
    c.refs = block.refs;
    c.hints.length = 0;
    c.time = block.startTime;
    c.id = block.startMessageId;
  }

  private rowsIn(block: Block): number {
    const i = this.blocks.indexOf(block);
    const next = this.blocks[i + 1];
    return (next === undefined ? this.len : next.firstRow) - block.firstRow;
  }

  /** The interned string at the cursor, as JSON. */
  private strJson(c: Cursor): string {
    return this.tables.stringJson[c.uv()] as string;
  }

  /** The row at the cursor as a JSON line, built by hand (JSON.stringify only for referenced payloads). */
  private decode(c: RowCursor): string {
    const kind = c.b[c.pos++] as number;
    const t = (c.time += c.sv());
    const ep = this.endpointJson;
    const tb = this.tables;
    // No closures here (a `str()` helper, say; strJson is a method): this runs once per row, and under tsx (the CLI)
    // every function created gets its name set through Object.defineProperty, about a third of writing a trace.
    switch (kind) {
      case K.send:
      case K_SEND_NEXT: {
        const n = c.uv() - 1;
        const to = c.uv() - 1;
        const id = kind === K_SEND_NEXT ? ++c.id : (c.id += c.sv());
        const ring = (c.ring ??= new SendRing());
        const slot = id & RING_MASK;
        ring.t[slot] = t;
        ring.from[slot] = n;
        ring.to[slot] = to;
        const bytes = c.uv();
        const tyIndex = c.uv();
        const ty = tb.stringJson[tyIndex] as string;
        const m = this.recordMessages ? (c.json(tb, HINT_MESSAGE + tyIndex, ty) ?? "null") : "null";
        return `{"t":${t},"k":"send","n":${ep[n]},"to":${ep[to]},"i":${id},"ty":${ty},"m":${m},"b":${bytes}}`;
      }
      case K.deliver: {
        const n = c.uv() - 1;
        const from = c.uv() - 1;
        const id = c.id + c.sv();
        const st = t - c.sv();
        return `{"t":${t},"k":"deliver","n":${ep[n]},"from":${ep[from]},"i":${id},"st":${st}}`;
      }
      case K_DELIVER_SENT: {
        const id = c.id + c.sv();
        const ring = c.ring as SendRing;
        const slot = id & RING_MASK;
        return (
          `{"t":${t},"k":"deliver","n":${ep[ring.to[slot] as number]},"from":${ep[ring.from[slot] as number]}` +
          `,"i":${id},"st":${ring.t[slot] as number}}`
        );
      }
      case K_DROP_SENT: {
        const id = c.id + c.sv();
        const ring = c.ring as SendRing;
        const slot = id & RING_MASK;
        return (
          `{"t":${t},"k":"drop","n":${ep[ring.from[slot] as number]},"to":${ep[ring.to[slot] as number]},"i":` +
          `${id},"why":${this.strJson(c)}}`
        );
      }
      case K.drop: {
        const n = c.uv() - 1;
        const to = c.uv() - 1;
        const id = c.id + c.sv();
        return `{"t":${t},"k":"drop","n":${ep[n]},"to":${ep[to]},"i":${id},"why":${this.strJson(c)}}`;
      }
      case K.duplicate: {
        const n = c.uv() - 1;
        const to = c.uv() - 1;
        const id = c.id + c.sv();
        const copy = c.id + c.sv();
        return `{"t":${t},"k":"duplicate","n":${ep[n]},"to":${ep[to]},"i":${id},"copy":${copy}}`;
      }
      case K.timer: {
        const n = c.uv() - 1;
        return `{"t":${t},"k":"timer","n":${ep[n]},"name":${this.strJson(c)}}`;
      }
      case K.crash:
        return `{"t":${t},"k":"crash","n":${ep[c.uv() - 1]}}`;
      case K.restart:
        return `{"t":${t},"k":"restart","n":${ep[c.uv() - 1]}}`;
      case K.partition: {
        const kindJson = this.strJson(c);
        c.pos++; // V_REF
        const v = c.refs[c.ref++] as { id: string; blocks: BlockedDirection[] };
        return (
          `{"t":${t},"k":"partition","id":${JSON.stringify(v.id)},"kind":${kindJson},"blocks":` +
          `${JSON.stringify(v.blocks)}}`
        );
      }
      case K.heal:
        return `{"t":${t},"k":"heal","id":${this.strJson(c)}}`;
      case K.link: {
        c.pos++; // V_REF
        const v = c.refs[c.ref++] as { a: string; b: string; change: Record<string, unknown> };
        return (
          `{"t":${t},"k":"link","a":${JSON.stringify(v.a)},"b":${JSON.stringify(v.b)},"change":` +
          `${JSON.stringify(v.change)}}`
        );
      }
      case K.clock: {
        const n = c.uv() - 1;
        const offset = c.json(tb, HINT_VALUE) ?? "null";
        const drift = c.json(tb, HINT_VALUE) ?? "null";
        return `{"t":${t},"k":"clock","n":${ep[n]},"offset":${offset},"drift":${drift}}`;
      }
      case K.disk: {
        const n = c.uv() - 1;
        const fault = this.strJson(c);
        return `{"t":${t},"k":"disk","n":${ep[n]},"fault":${fault},"key":${c.json(tb, HINT_VALUE) ?? "null"}}`;
      }
      case K.invoke: {
        const client = c.uv() - 1;
        const node = c.uv() - 1;
        const req = c.uv();
        const process = c.uv();
        return (
          `{"t":${t},"k":"invoke","c":${this.clientJson[client]},"p":${process},"r":${req},"n":${ep[node]}` +
          `,"op":${c.json(tb, HINT_OP) ?? "null"}}`
        );
      }
      case K.ok:
      case K.fail:
      case K.info: {
        const outcome = kind === K.ok ? "ok" : kind === K.fail ? "fail" : "info";
        const client = c.uv() - 1;
        const node = c.uv() - 1;
        const req = c.uv();
        const process = c.uv();
        return (
          `{"t":${t},"k":"${outcome}","c":${this.clientJson[client]},"p":${process},"r":${req},"n":` +
          `${node < 0 ? "null" : ep[node]},"v":${c.json(tb, HINT_VALUE) ?? "null"}}`
        );
      }
      case K.state: {
        const n = c.uv() - 1;
        return `{"t":${t},"k":"state","n":${ep[n]},"v":${c.json(tb, HINT_VIEW) ?? "null"}}`;
      }
      case K.note: {
        const n = c.uv() - 1;
        const text = c.json(tb, HINT_VALUE) ?? "null";
        const data = c.json(tb, HINT_NOTE);
        return `{"t":${t},"k":"note","n":${ep[n]},"text":${text}${data === undefined ? "" : `,"data":${data}`}}`;
      }
      case K.violation: {
        const n = c.uv() - 1;
        const check = c.json(tb, HINT_VALUE) ?? "null";
        const message = c.json(tb, HINT_VALUE) ?? "null";
        const ops = c.json(tb, HINT_VALUE);
        const node = n >= 0 ? `,"n":${ep[n]}` : "";
        const opsField = ops === undefined ? "" : `,"ops":${ops}`;
        return `{"t":${t},"k":"violation","check":${check},"message":${message}${node}${opsField}}`;
      }
      case K.metric: {
        const n = c.uv() - 1;
        const name = this.strJson(c);
        const label = c.json(tb, HINT_VALUE) ?? "null";
        const value = c.json(tb, HINT_VALUE) ?? "null";
        const node = n >= 0 ? `,"n":${ep[n]}` : "";
        return `{"t":${t},"k":"metric","name":${name},"v":${value}${node}${label === "null" ? "" : `,"l":${label}`}}`;
      }
      default:
        throw new Error(`trace row has unknown kind ${kind}`);
    }
  }
}
