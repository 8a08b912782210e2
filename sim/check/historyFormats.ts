/**
 * Histories from elsewhere, parsed into HistoryOp[] for the linearizability checker (browser-safe: no `node:` import).
 * - Jepsen EDN: one map per op event, `{:type :invoke, :f :write, :value [k v], :process 0, :time 123, :index 0}`.
 * - Porcupine-style JSON: an array of `{clientId, input, call, output, return}` (one entry per completed op).
 * - A Faultline trace's client events (invoke / ok / fail / info).
 * Errors are HistoryFormatError naming the source, the line or entry, and what was expected.
 */
import type { KvOp } from "../core/protocol.ts";
import type { TraceEvent } from "../trace/events.ts";
import type { HistoryOp, HistoryOutcome } from "./history.ts";

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

/** Parse every top-level EDN value of `text` (a history file is a sequence of maps, or one vector of them). */
export function parseEdnValues(text: string, source: string): { value: Edn; line: number }[] {
  const r = new EdnReader(text, source);
  const out: { value: Edn; line: number }[] = [];
  while (!r.atEnd()) {
    const line = lineAt(text, r.pos);
    (r as { where: string }).where = `${source}: line ${line}`;
    out.push({ value: r.value(), line });
  }
  return out;
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------------------------------------------------------------- pairing invocations with completions

interface Pending {
  process: number;
  op: KvOp;
  invokeMicros: number;
  requestId: number;
}

/** Pairs invoke and completion events per process, as Jepsen does; an invoke never completed becomes `info`. */
class Pairer {
  readonly ops: HistoryOp[] = [];
  readonly pending = new Map<number, Pending>();
  nextId = 0;

  invoke(process: number, op: KvOp, atMicros: number, where: string): void {
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
    op?: KvOp,
  ): void {
    const p = this.pending.get(process);
    if (p === undefined) throw new HistoryFormatError(`${where}: process ${process} completed an op it never invoked`);
    this.pending.delete(process);
    const finalOp = op !== undefined && op.f === p.op.f && op.key === p.op.key ? { ...p.op, ...op } : p.op;
    this.ops.push({
      process,
      client: `p${process}`,
      requestId: p.requestId,
      op: finalOp as KvOp,
      invokeMicros: p.invokeMicros,
      completeMicros: outcome === "info" ? null : atMicros,
      outcome,
      result: outcome === "ok" ? result : null,
    });
  }

  finish(): HistoryOp[] {
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

function ednString(v: Edn, what: string, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v !== null && typeof v === "object" && "kw" in v) return v.kw;
  throw new HistoryFormatError(`${where}: expected ${what} to be a string, number or keyword, found ${describeEdn(v)}`);
}

function describeEdn(v: Edn): string {
  if (v === null) return "nil";
  if (Array.isArray(v)) return `a vector of ${v.length}`;
  if (v instanceof Map) return "a map";
  if (typeof v === "object") return `:${v.kw}`;
  return JSON.stringify(v);
}

/** A read result: nil -> null, a vector (list-append style) -> its elements joined by "," (the model's append). */
function ednReadResult(v: Edn, where: string): string | null {
  if (v === null) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map((x) => ednString(x, "a list element", where)).join(",");
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

/** Splits an EDN :value into key and payload: `[k v]` tuples (independent keys) or a bare value on key "default". */
function splitValue(m: Map<string, Edn>, f: string, where: string): { key: string; payload: Edn } {
  const v = m.get("value") ?? null;
  const tuple = Array.isArray(v) && v.length === 2 && (f !== "cas" || Array.isArray(v[1]));
  if (tuple) return { key: ednString(v[0] as Edn, "the key", where), payload: v[1] as Edn };
  return { key: "default", payload: v };
}

function ednOp(f: string, key: string, payload: Edn, type: string, where: string): KvOp {
  switch (f) {
    case "read":
      return { f: "read", key };
    case "write":
      if (payload === null && type !== "invoke") return { f: "write", key, value: "" };
      return { f: "write", key, value: ednString(payload, "the written value", where) };
    case "append":
      return { f: "append", key, value: ednString(payload, "the appended value", where) };
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
      throw new HistoryFormatError(`${where}: expected :f to be :read, :write, :cas or :append, found :${f}`);
  }
}

/**
 * Parse a Jepsen EDN history. Times are :time in nanoseconds (converted to microseconds, kept fractional); without
 * :time, the event's position in the file orders it. A cas completing with :fail did not apply (Jepsen's convention);
 * :info is indeterminate. Non-client events (:process :nemesis) are skipped.
 */
export function parseJepsenEdn(text: string, source = "history.edn"): HistoryOp[] {
  let values = parseEdnValues(text, source);
  if (values.length === 1 && Array.isArray(values[0]?.value))
    values = (values[0].value as Edn[]).map((value) => ({ value, line: values[0]?.line ?? 1 }));
  const pairer = new Pairer();
  values.forEach(({ value: m, line }, i) => {
    const where = `${source}: line ${line} (entry ${i + 1})`;
    if (!(m instanceof Map))
      throw new HistoryFormatError(
        `${where}: expected an op map like {:type :invoke, :f :read, ...}, found ${describeEdn(m)}`,
      );
    const proc = m.get("process");
    if (typeof proc !== "number") {
      if (proc !== null && typeof proc === "object" && "kw" in proc) return; // :nemesis and friends
      throw new HistoryFormatError(
        `${where}: expected :process to be an integer, found ${proc === undefined ? "nothing" : describeEdn(proc)}`,
      );
    }
    const type = kwName(m, "type", where);
    const f = kwName(m, "f", where);
    if (f !== "read" && f !== "write" && f !== "cas" && f !== "append")
      throw new HistoryFormatError(`${where}: expected :f to be :read, :write, :cas or :append, found :${f}`);
    const time = m.get("time");
    const atMicros = typeof time === "number" ? time / 1000 : i; // fractional: rounding could make ordered ops overlap
    const { key, payload } = splitValue(m, f, where);
    if (type === "invoke") pairer.invoke(proc, ednOp(f, key, payload, type, where), atMicros, where);
    else if (type === "ok") {
      const result = f === "read" ? ednReadResult(payload, where) : f === "cas" ? true : null;
      pairer.complete(proc, "ok", atMicros, result, where);
    } else if (type === "fail" || type === "info") pairer.complete(proc, type, atMicros, null, where);
    else throw new HistoryFormatError(`${where}: expected :type to be :invoke, :ok, :fail or :info, found :${type}`);
  });
  return pairer.finish();
}

// ---------------------------------------------------------------- Porcupine-style JSON

const PORCUPINE_OPS: Record<string, KvOp["f"]> = {
  read: "read",
  get: "read",
  "0": "read",
  write: "write",
  put: "write",
  "1": "write",
  append: "append",
  "2": "append",
  cas: "cas",
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

function porcupineOp(input: Record<string, unknown>, where: string): KvOp {
  const name = input.f ?? input.op;
  const f = PORCUPINE_OPS[String(name)];
  if (f === undefined)
    throw new HistoryFormatError(
      `${where}: expected input.op to be read/get/0, write/put/1, append/2 or cas, found ` +
        `${JSON.stringify(name) ?? "nothing"}`,
    );
  const key = input.key === undefined ? "default" : jsonString(input.key, "input.key", where);
  if (f === "read") return { f, key };
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
export function parsePorcupineJson(text: string, source = "history.json"): HistoryOp[] {
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
    if (outcomeRaw === "ok" && op.f === "read")
      result =
        raw === null || raw === undefined || raw === ""
          ? null
          : Array.isArray(raw)
            ? raw.map((x) => jsonString(x, "output element", where)).join(",")
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
