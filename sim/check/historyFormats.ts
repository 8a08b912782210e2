/**
 * Histories from elsewhere, parsed into HistoryOp[] for the linearizability checker (browser-safe: no `node:` import).
 * - Jepsen EDN: one map per op event, `{:type :invoke, :f :write, :value [k v], :process 0, :time 123, :index 0}`.
 * - Porcupine-style JSON: an array of `{clientId, input, call, output, return}` (one entry per completed op).
 * - A Faultline trace's client events (invoke / ok / fail / info).
 * Errors are HistoryFormatError naming the source, the line or entry, and what was expected.
 */
import type { KvOp } from "../core/protocol.ts";
import { assertNever } from "../core/types.ts";
import type { TraceEvent } from "../trace/events.ts";
import type { HistoryOp, HistoryOutcome } from "./history.ts";
import type { CheckOp, CheckOpName } from "./models/op.ts";

export class HistoryFormatError extends Error {
  override name = "HistoryFormatError";
}

// ---------------------------------------------------------------- EDN reader (the subset Jepsen histories use)

/** An EDN value: keywords keep their leading colon as `{ kw: "name" }`. */
export type Edn = null | boolean | number | string | { kw: string } | Edn[] | Map<string, Edn>;

class EdnReader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly where: string,
  ) {}

  fail(expected: string): never {
    const seen =
      this.pos < this.text.length ? JSON.stringify(this.text.slice(this.pos, this.pos + 12)) : "end of input";
    throw new HistoryFormatError(`${this.where}, column ${this.pos + 1}: expected ${expected}, found ${seen}`);
  }

  skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      if (c === ";") {
        while (this.pos < t.length && t[this.pos] !== "\n") this.pos++;
      } else if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === ",") this.pos++;
      else break;
    }
  }

  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }

  value(depth = 0): Edn {
    if (depth > 64) this.fail("nesting at most 64 deep");
    this.skip();
    const c = this.text[this.pos];
    if (c === undefined) this.fail("a value");
    if (c === "{") return this.map(depth);
    if (c === "[" || c === "(") return this.seq(c === "[" ? "]" : ")", depth);
    if (c === "#" && this.text[this.pos + 1] === "{") {
      this.pos++;
      return this.seq("}", depth);
    }
    if (c === '"') return this.string();
    return this.atom();
  }

  map(depth: number): Map<string, Edn> {
    this.pos++;
    const m = new Map<string, Edn>();
    for (;;) {
      this.skip();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return m;
      }
      const k = this.value(depth + 1);
      const key =
        typeof k === "object" && k !== null && "kw" in k
          ? k.kw
          : typeof k === "string"
            ? k
            : this.fail("a keyword or string map key");
      m.set(key, this.value(depth + 1));
    }
  }

  seq(close: string, depth: number): Edn[] {
    this.pos++;
    const out: Edn[] = [];
    for (;;) {
      this.skip();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      if (this.pos >= this.text.length) this.fail(`"${close}"`);
      out.push(this.value(depth + 1));
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === "\\" ? 2 : 1;
    if (this.pos >= this.text.length) {
      this.pos = start;
      this.fail("a closing quote");
    }
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      this.pos = start;
      return this.fail("a string with valid escapes");
    }
  }

  atom(): Edn {
    const m = /^[^\s,{}[\]()";]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (m === null) return this.fail("a value");
    const tok = m[0];
    this.pos += tok.length;
    if (tok === "nil") return null;
    if (tok === "true") return true;
    if (tok === "false") return false;
    if (tok.startsWith(":")) return { kw: tok.slice(1) };
    if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?N?M?$/.test(tok)) return Number(tok.replace(/[NM]$/, ""));
    return tok; // a symbol: keep its name
  }
}

/** The first EDN value of `text`, ignoring what follows it; nil when `text` is blank. */
export function parseFirstEdnValue(text: string, where: string): Edn {
  const r = new EdnReader(text, where);
  return r.atEnd() ? null : r.value();
}

/**
 * Parse every top-level EDN value of `text` (a history file is a sequence of maps, or one vector of them). Line
 * numbers are counted as the reader moves on (linear in the file: Jepsen writes one op map per line).
 */
export function parseEdnValues(text: string, source: string): { value: Edn; line: number }[] {
  const r = new EdnReader(text, source);
  const out: { value: Edn; line: number }[] = [];
  let line = 1;
  let counted = 0;
  while (!r.atEnd()) {
    for (let i = counted; i < r.pos; i++) if (text.charCodeAt(i) === 10) line++;
    counted = r.pos;
    (r as { where: string }).where = `${source}: line ${line}`;
    out.push({ value: r.value(), line });
  }
  return out;
}

// ---------------------------------------------------------------- pairing invocations with completions

interface Pending {
  process: number;
  op: CheckOp;
  invokeMicros: number;
  requestId: number;
}

/** Pairs invoke and completion events per process, as Jepsen does; an invoke never completed becomes `info`. */
class Pairer {
  readonly ops: HistoryOp<CheckOp>[] = [];
  readonly pending = new Map<number, Pending>();
  nextId = 0;

  invoke(process: number, op: CheckOp, atMicros: number, where: string): void {
    if (this.pending.has(process))
      throw new HistoryFormatError(`${where}: process ${process} invoked a new op before its previous op completed`);
    this.pending.set(process, { process, op, invokeMicros: atMicros, requestId: this.nextId++ });
  }

  complete(
    process: number,
    outcome: HistoryOutcome,
    atMicros: number,
    result: unknown,
    where: string,
    f: string,
  ): void {
    const p = this.pending.get(process);
    if (p === undefined) throw new HistoryFormatError(`${where}: process ${process} completed an op it never invoked`);
    if (f !== p.op.f)
      throw new HistoryFormatError(
        `${where}: process ${process} completed a :${f}, but its op in progress is a :${p.op.f}`,
      );
    if (atMicros < p.invokeMicros)
      throw new HistoryFormatError(
        `${where}: process ${process}'s completion (at ${atMicros * 1000} ns) is before its invocation ` +
          `(at ${p.invokeMicros * 1000} ns)`,
      );
    this.pending.delete(process);
    this.ops.push({
      process,
      client: `p${process}`,
      requestId: p.requestId,
      op: p.op,
      invokeMicros: p.invokeMicros,
      completeMicros: outcome === "info" ? null : atMicros,
      outcome,
      result: outcome === "ok" ? result : null,
    });
  }

  finish(source: string): HistoryOp<CheckOp>[] {
    if (this.ops.length === 0 && this.pending.size === 0)
      throw new HistoryFormatError(`${source}: no client operations (expected invocations and completions)`);
    for (const p of [...this.pending.values()].sort((a, b) => a.requestId - b.requestId)) {
      this.ops.push({
        process: p.process,
        client: `p${p.process}`,
        requestId: p.requestId,
        op: p.op,
        invokeMicros: p.invokeMicros,
        completeMicros: null,
        outcome: "info",
        result: null,
      });
    }
    return this.ops.sort((a, b) => a.requestId - b.requestId);
  }
}

// ---------------------------------------------------------------- Jepsen EDN

export function ednString(v: Edn, what: string, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v !== null && typeof v === "object" && "kw" in v) return v.kw;
  throw new HistoryFormatError(`${where}: expected ${what} to be a string, number or keyword, found ${describeEdn(v)}`);
}

export function describeEdn(v: Edn): string {
  if (v === null) return "nil";
  if (Array.isArray(v)) return `a vector of ${v.length}`;
  if (v instanceof Map) return "a map";
  if (typeof v === "object") return `:${v.kw}`;
  return JSON.stringify(v);
}

/** A result as read: nil -> null, a vector or set -> a list of strings (the model decides what a list means). */
function ednResult(v: Edn, where: string): string | string[] | null {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map((x) => ednString(x, "a list element", where));
  return ednString(v, "the value read", where);
}

function kwName(m: Map<string, Edn>, field: string, where: string): string {
  const v = m.get(field);
  if (v === null || typeof v !== "object" || !("kw" in v))
    throw new HistoryFormatError(
      `${where}: expected :${field} to be a keyword, found ${v === undefined ? "nothing" : describeEdn(v)}`,
    );
  return v.kw;
}

/** Jepsen's op names and their aliases (etcd's tests say :get and :put), by the checker's op names. */
const EDN_OPS: Readonly<Record<string, CheckOpName>> = {
  read: "read",
  get: "read",
  write: "write",
  put: "write",
  cas: "cas",
  append: "append",
  acquire: "acquire",
  release: "release",
  add: "add",
  enqueue: "enqueue",
  dequeue: "dequeue",
};
const EDN_OP_LIST = ":read (:get), :write (:put), :cas, :append, :acquire, :release, :add, :enqueue or :dequeue";

/**
 * Splits an op map into key and payload: `:key k` with `:value v`, or `:value [k v]` tuples (Jepsen's independent
 * keys), or a bare value on key "default".
 */
function splitValue(m: Map<string, Edn>, f: CheckOpName, where: string): { key: string; payload: Edn } {
  const v = m.get("value") ?? null;
  const k = m.get("key");
  if (k !== undefined) return { key: ednString(k, "the :key", where), payload: v };
  const tuple = Array.isArray(v) && v.length === 2 && (f !== "cas" || Array.isArray(v[1]));
  if (tuple) return { key: ednString(v[0] as Edn, "the key", where), payload: v[1] as Edn };
  return { key: "default", payload: v };
}

function ednOp(f: CheckOpName, key: string, payload: Edn, where: string): CheckOp {
  switch (f) {
    case "read":
    case "acquire":
    case "release":
    case "dequeue":
      return { f, key };
    case "write":
    case "append":
    case "add":
    case "enqueue":
      return { f, key, value: ednString(payload, `the value of the :${f}`, where) };
    case "cas": {
      if (!Array.isArray(payload) || payload.length !== 2)
        throw new HistoryFormatError(`${where}: expected a cas value [old new], found ${describeEdn(payload)}`);
      const old = payload[0] as Edn;
      return {
        f: "cas",
        key,
        expected: old === null ? null : ednString(old, "the expected value", where),
        value: ednString(payload[1] as Edn, "the new value", where),
      };
    }
    default:
      return assertNever(f, "op name");
  }
}

/** Elle's micro-op names (`[:append k v]`, `[:r k list]`, `[:w k v]`) as op names. */
const TXN_OPS: Readonly<Record<string, string>> = { append: "append", r: "read", w: "write" };

/**
 * An Elle-style transaction of one micro-op (`:f :txn, :value [[:append 5 1]]`) as the plain op map it is
 * (`:f :append, :key 5, :value 1`). A transaction of several micro-ops is not one linearizable op: bad input.
 */
function singleOpTxn(m: Map<string, Edn>, where: string): Map<string, Edn> {
  const mops = m.get("value");
  if (!Array.isArray(mops) || mops.length !== 1 || !Array.isArray(mops[0]) || mops[0].length !== 3)
    throw new HistoryFormatError(
      `${where}: expected a :txn of one micro-op like [[:append k v]], found ` +
        `${mops === undefined ? "nothing" : describeEdn(mops)} (transactions of several micro-ops are not single ` +
        "linearizable ops: check them with Elle)",
    );
  const [f, key, value] = mops[0] as [Edn, Edn, Edn];
  const name = f !== null && typeof f === "object" && "kw" in f ? TXN_OPS[f.kw] : undefined;
  if (name === undefined)
    throw new HistoryFormatError(`${where}: expected a micro-op :append, :r or :w, found ${describeEdn(f)}`);
  const out = new Map(m);
  out.set("f", { kw: name });
  out.set("key", key);
  out.set("value", value);
  return out;
}

/**
 * Jepsen op maps, one at a time, paired into a history: the EDN reader and the Jepsen log reader both feed it.
 * Times are :time in nanoseconds (converted to microseconds, kept fractional); without :time, the position orders the
 * events, and a file either gives every event a :time or none.
 */
export class JepsenEvents {
  private readonly pairer = new Pairer();
  private timed: boolean | null = null;

  constructor(readonly source: string) {}

  /** One op map; `position` orders it when there is no :time. Maps of non-client processes (:nemesis) are skipped. */
  add(m: Edn, position: number, where: string): void {
    if (!(m instanceof Map))
      throw new HistoryFormatError(
        `${where}: expected an op map like {:type :invoke, :f :read, ...}, found ${describeEdn(m)}`,
      );
    const proc = m.get("process");
    if (typeof proc !== "number" || !Number.isSafeInteger(proc)) {
      if (proc !== null && typeof proc === "object" && "kw" in proc) return; // :nemesis and friends
      throw new HistoryFormatError(
        `${where}: expected :process to be an integer, found ${proc === undefined ? "nothing" : describeEdn(proc)}`,
      );
    }
    const type = kwName(m, "type", where);
    const name = kwName(m, "f", where);
    if (name === "txn") return this.add(singleOpTxn(m, where), position, where);
    const f = EDN_OPS[name];
    if (f === undefined) throw new HistoryFormatError(`${where}: expected :f to be ${EDN_OP_LIST}, found :${name}`);
    const atMicros = this.time(m, position, where);
    const { key, payload } = splitValue(m, f, where);
    if (type === "invoke") this.pairer.invoke(proc, ednOp(f, key, payload, where), atMicros, where);
    else if (type === "ok") {
      const result = f === "read" || f === "dequeue" ? ednResult(payload, where) : f === "cas" ? true : null;
      this.pairer.complete(proc, "ok", atMicros, result, where, f);
    } else if (type === "fail" || type === "info") this.pairer.complete(proc, type, atMicros, null, where, f);
    else throw new HistoryFormatError(`${where}: expected :type to be :invoke, :ok, :fail or :info, found :${type}`);
  }

  private time(m: Map<string, Edn>, position: number, where: string): number {
    const time = m.get("time");
    if (time !== undefined && (typeof time !== "number" || !Number.isFinite(time)))
      throw new HistoryFormatError(
        `${where}: expected :time to be a number of nanoseconds, found ${describeEdn(time)}`,
      );
    const timed = time !== undefined;
    if (this.timed === null) this.timed = timed;
    else if (this.timed !== timed)
      throw new HistoryFormatError(
        `${where}: ${timed ? "has a :time but earlier events have none" : "has no :time but earlier events do"} ` +
          "(give every event a :time, or none)",
      );
    return timed ? (time as number) / 1000 : position; // fractional: rounding could make ordered ops overlap
  }

  /** The history; an invocation never completed is `info`. Bad input when there are no client ops at all. */
  finish(): HistoryOp<CheckOp>[] {
    return this.pairer.finish(this.source);
  }
}

/**
 * Parse a Jepsen EDN history (see JepsenEvents). A cas completing with :fail did not apply (Jepsen's convention);
 * :info is indeterminate.
 */
export function parseJepsenEdn(text: string, source = "history.edn"): HistoryOp<CheckOp>[] {
  let values = parseEdnValues(text, source);
  if (values.length === 1 && Array.isArray(values[0]?.value))
    values = (values[0].value as Edn[]).map((value) => ({ value, line: values[0]?.line ?? 1 }));
  const events = new JepsenEvents(source);
  values.forEach(({ value, line }, i) => {
    events.add(value, i, `${source}: line ${line} (entry ${i + 1})`);
  });
  return events.finish();
}

// ---------------------------------------------------------------- Porcupine-style JSON

const PORCUPINE_OPS: Record<string, CheckOpName> = {
  read: "read",
  get: "read",
  "0": "read",
  write: "write",
  put: "write",
  "1": "write",
  append: "append",
  "2": "append",
  cas: "cas",
  acquire: "acquire",
  release: "release",
  add: "add",
  enqueue: "enqueue",
  dequeue: "dequeue",
};

function field(o: Record<string, unknown>, name: string, where: string, kind: "number" | "object"): unknown {
  const v = o[name];
  if (
    kind === "number"
      ? typeof v !== "number" || !Number.isFinite(v)
      : typeof v !== "object" || v === null || Array.isArray(v)
  ) {
    throw new HistoryFormatError(
      `${where}: expected "${name}" to be ${kind === "number" ? "a number" : "an object"}, found ` +
        `${JSON.stringify(v) ?? "nothing"}`,
    );
  }
  return v;
}

function jsonString(v: unknown, what: string, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new HistoryFormatError(`${where}: expected ${what} to be a string, found ${JSON.stringify(v) ?? "nothing"}`);
}

function porcupineOp(input: Record<string, unknown>, where: string): CheckOp {
  const name = input.f ?? input.op;
  const f = PORCUPINE_OPS[String(name)];
  if (f === undefined)
    throw new HistoryFormatError(
      `${where}: expected input.op to be read/get/0, write/put/1, append/2, cas, acquire, release, add, enqueue or ` +
        `dequeue, found ${JSON.stringify(name) ?? "nothing"}`,
    );
  const key = input.key === undefined ? "default" : jsonString(input.key, "input.key", where);
  if (f === "read" || f === "acquire" || f === "release" || f === "dequeue") return { f, key };
  const value = jsonString(input.value, "input.value", where);
  if (f === "cas")
    return {
      f,
      key,
      expected: input.expected === null ? null : jsonString(input.expected, "input.expected", where),
      value,
    };
  return { f, key, value };
}

/**
 * Parse a Porcupine-style JSON history: an array of `{clientId, input: {op, key, value, expected?}, call, output,
 * return}`; `output` is the result (`{value}` or the bare value; for cas a boolean). Optional `outcome`
 * ("ok" | "fail" | "info") marks failed or indeterminate ops; `return: null` also means indeterminate.
 */
export function parsePorcupineJson(text: string, source = "history.json"): HistoryOp<CheckOp>[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new HistoryFormatError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const entries = Array.isArray(data)
    ? data
    : typeof data === "object" && data !== null && Array.isArray((data as { operations?: unknown }).operations)
      ? (data as { operations: unknown[] }).operations
      : null;
  if (entries === null)
    throw new HistoryFormatError(`${source}: expected a JSON array of operations (or {"operations": [...]})`);
  if (entries.length === 0) throw new HistoryFormatError(`${source}: no operations (the array is empty)`);
  return entries.map((e, i) => {
    const where = `${source}: entry ${i}`;
    if (typeof e !== "object" || e === null || Array.isArray(e))
      throw new HistoryFormatError(`${where}: expected an object {clientId, input, call, output, return}`);
    const o = e as Record<string, unknown>;
    const clientId = field(o, "clientId", where, "number") as number;
    const op = porcupineOp(field(o, "input", where, "object") as Record<string, unknown>, where);
    const call = field(o, "call", where, "number") as number;
    const outcomeRaw = o.outcome ?? (o.return === null ? "info" : "ok");
    if (outcomeRaw !== "ok" && outcomeRaw !== "fail" && outcomeRaw !== "info")
      throw new HistoryFormatError(
        `${where}: expected "outcome" to be "ok", "fail" or "info", found ${JSON.stringify(outcomeRaw)}`,
      );
    const ret = outcomeRaw === "info" ? null : (field(o, "return", where, "number") as number);
    if (ret !== null && ret < call)
      throw new HistoryFormatError(`${where}: "return" (${ret}) is before "call" (${call})`);
    const out = o.output;
    const raw =
      typeof out === "object" && out !== null && !Array.isArray(out) && "value" in out
        ? (out as { value: unknown }).value
        : out;
    let result: unknown = null;
    if (outcomeRaw === "ok" && (op.f === "read" || op.f === "dequeue"))
      result =
        raw === null || raw === undefined || raw === ""
          ? null
          : Array.isArray(raw)
            ? raw.map((x) => jsonString(x, "output element", where))
            : jsonString(raw, "output", where);
    if (outcomeRaw === "ok" && op.f === "cas") {
      if (typeof raw !== "boolean")
        throw new HistoryFormatError(
          `${where}: expected the output of a cas to be true or false, found ${JSON.stringify(raw) ?? "nothing"}`,
        );
      result = raw;
    }
    return {
      process: clientId,
      client: `c${clientId}`,
      requestId: i,
      op,
      invokeMicros: call,
      completeMicros: ret,
      outcome: outcomeRaw,
      result,
    };
  });
}

// ---------------------------------------------------------------- Faultline traces

/**
 * The client history of a trace, built from its invoke / ok / fail / info events as they are read (a TraceEventSink:
 * a streamed trace keeps nothing else); an op never completed is `info`.
 */
export class TraceHistory {
  private readonly byId = new Map<number, HistoryOp>();

  header(): void {}

  event(e: TraceEvent): void {
    if (e.k === "invoke") {
      if (!this.byId.has(e.r))
        this.byId.set(e.r, {
          process: e.p,
          client: e.c,
          requestId: e.r,
          op: e.op as KvOp,
          invokeMicros: e.t,
          completeMicros: null,
          outcome: "info",
          result: null,
        });
    } else if (e.k === "ok" || e.k === "fail" || e.k === "info") {
      const h = this.byId.get(e.r);
      if (h === undefined) return;
      h.outcome = e.k;
      h.completeMicros = e.k === "info" ? null : e.t;
      h.result = e.k === "ok" ? e.v : null;
    }
  }

  ops(): HistoryOp[] {
    return [...this.byId.values()];
  }
}
