/**
 * Jepsen EDN histories, read by a strict EDN reader written here from the edn-format spec (plus what Clojure's reader
 * accepts beyond it: \b \f \uXXXX escapes and ##NaN/##Inf), independent of sim/check's reader. Checked:
 * - every line is one EDN map with keyword keys :type :f :value :process :time :index;
 * - :type is :invoke, :ok, :fail or :info; :f is :read, :write, :cas or :append; :value is [key value] (a read
 *   invocation [key nil], a cas [key [old new]]); :process and :time are integers, :time the trace's time in ns;
 *   :index counts 0, 1, 2...;
 * - per process: an invocation, then at most one completion of the same :f and key; after an :info the process
 *   never appears again (Jepsen retires it); every completion follows an invocation;
 * - against the trace: one invocation per invoke, one completion per completion event.
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { toJepsenHistory } from "../../../sim/trace/export/index.ts";
import type { TraceEvent, TraceHeader } from "../../../sim/trace/events.ts";
import { CASES, count, traceOf } from "./traces.ts";

type Edn =
  | null
  | boolean
  | number
  | string
  | { kw: string }
  | { sym: string }
  | Edn[]
  | { map: [Edn, Edn][] }
  | { set: Edn[] };

const SYMBOL = /^(?:[A-Za-z*!_?$%&=<>.+-][A-Za-z0-9*!_?$%&=<>.+\-#:']*|[+-]|\/)$/;

/** A strict EDN reader: throws on anything that is not EDN. */
function readEdn(text: string): Edn[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`EDN: ${what} at ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i] as string;
      if (c === ";") while (i < text.length && text[i] !== "\n") i++;
      else if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === ",") i++;
      else break;
    }
  };
  const token = () => {
    const start = i;
    while (i < text.length && !/[\s,()[\]{}";]/.test(text[i] as string)) i++;
    return text.slice(start, i);
  };
  const str = (): string => {
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i++] as string;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = { t: "\t", r: "\r", n: "\n", "\\": "\\", '"': '"', b: "\b", f: "\f" };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail(`bad string escape \\${e}`);
    }
  };
  const seq = (close: string): Edn[] => {
    i++;
    const out: Edn[] = [];
    for (;;) {
      space();
      if (i >= text.length) fail(`missing ${close}`);
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value());
    }
  };
  const atom = (): Edn => {
    const t = token();
    if (t === "") fail("unexpected character");
    if (t === "nil") return null;
    if (t === "true" || t === "false") return t === "true";
    if (/^[+-]?(0|[1-9][0-9]*)N?$/.test(t)) return Number(t.replace(/N$/, ""));
    if (/^[+-]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?M?$/.test(t)) return Number(t.replace(/M$/, ""));
    if (t.startsWith(":")) {
      const name = t.slice(1);
      if (name.startsWith(":") || !SYMBOL.test(name) || /^[0-9]/.test(name)) fail(`bad keyword ${t}`);
      return { kw: name };
    }
    if (!SYMBOL.test(t) || /^[+-.][0-9]/.test(t)) fail(`bad symbol ${t}`);
    return { sym: t };
  };
  const value = (): Edn => {
    space();
    const c = text[i];
    if (c === '"') return str();
    if (c === "[") return seq("]");
    if (c === "(") return seq(")");
    if (c === "{") {
      const items = seq("}");
      if (items.length % 2 !== 0) fail("a map needs an even number of forms");
      const map: [Edn, Edn][] = [];
      for (let k = 0; k < items.length; k += 2) map.push([items[k] as Edn, items[k + 1] as Edn]);
      return { map };
    }
    if (c === "#" && text[i + 1] === "{") {
      i++;
      return { set: seq("}") };
    }
    if (c === "#" && text[i + 1] === "#") {
      i += 2;
      const t = token();
      if (t === "NaN") return Number.NaN;
      if (t === "Inf" || t === "-Inf") return t === "Inf" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      fail(`bad symbolic value ##${t}`);
    }
    if (c === "]" || c === ")" || c === "}" || c === "#" || c === "\\") fail("unexpected character");
    return atom();
  };
  const out: Edn[] = [];
  for (space(); i < text.length; space()) out.push(value());
  return out;
}

const kw = (v: Edn | undefined): string | null => (v !== null && typeof v === "object" && "kw" in v ? v.kw : null);

interface Op {
  type: string;
  f: string;
  value: Edn;
  process: number;
  time: number;
  index: number;
}

/** Read an EDN history into ops; throws on anything that is not a well-formed Jepsen op. */
function readHistory(text: string): Op[] {
  return readEdn(text).map((v, n) => {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !("map" in v))
      throw new Error(`entry ${n} is not a map`);
    const m = new Map<string, Edn>();
    for (const [k, x] of (v as { map: [Edn, Edn][] }).map) {
      const name = kw(k);
      if (name === null) throw new Error(`entry ${n} has a key that is not a keyword`);
      if (m.has(name)) throw new Error(`entry ${n} repeats :${name}`);
      m.set(name, x);
    }
    const [type, f] = [kw(m.get("type")), kw(m.get("f"))];
    const [process, time, index] = [m.get("process"), m.get("time"), m.get("index")];
    if (type === null || !["invoke", "ok", "fail", "info"].includes(type)) throw new Error(`entry ${n}: bad :type`);
    if (f === null || !["read", "write", "cas", "append"].includes(f)) throw new Error(`entry ${n}: bad :f`);
    for (const [name, x] of [
      ["process", process],
      ["time", time],
      ["index", index],
    ] as const) {
      if (!Number.isInteger(x)) throw new Error(`entry ${n}: :${name} is not an integer`);
    }
    if (!m.has("value")) throw new Error(`entry ${n}: no :value`);
    return {
      type,
      f,
      value: m.get("value") as Edn,
      process: process as number,
      time: time as number,
      index: index as number,
    };
  });
}

/** Jepsen's rules for a history, and its values per op kind; returns problems. */
function checkHistory(ops: Op[]): string[] {
  const out: string[] = [];
  const open = new Map<number, Op>();
  const retired = new Set<number>();
  ops.forEach((o, n) => {
    if (o.index !== n) out.push(`op ${n} has :index ${o.index}`);
    if (!Array.isArray(o.value) || o.value.length !== 2 || typeof o.value[0] !== "string") {
      out.push(`op ${n}: :value is not [key value]: ${JSON.stringify(o.value)}`);
      return;
    }
    const v = o.value[1] as Edn;
    if (o.f === "read" && o.type === "invoke" && v !== null) out.push(`op ${n}: a read invocation's value must be nil`);
    if ((o.f === "write" || o.f === "append") && typeof v !== "string")
      out.push(`op ${n}: a ${o.f} value must be a string`);
    if (
      o.f === "cas" &&
      !(Array.isArray(v) && v.length === 2 && typeof v[1] === "string" && (v[0] === null || typeof v[0] === "string"))
    )
      out.push(`op ${n}: a cas value must be [old new]`);
    if (retired.has(o.process)) out.push(`op ${n}: process ${o.process} appears after its :info`);
    const inv = open.get(o.process);
    if (o.type === "invoke") {
      if (inv !== undefined) out.push(`op ${n}: process ${o.process} invokes with op ${inv.index} still open`);
      open.set(o.process, o);
      return;
    }
    if (inv === undefined) {
      out.push(`op ${n}: a completion for process ${o.process} that has nothing open`);
      return;
    }
    if (inv.f !== o.f || (inv.value as Edn[])[0] !== o.value[0])
      out.push(`op ${n}: completes ${inv.f} of ${String((inv.value as Edn[])[0])} as ${o.f} of ${String(o.value[0])}`);
    if (o.time < inv.time) out.push(`op ${n}: completes before its invocation`);
    open.delete(o.process);
    if (o.type === "info") retired.add(o.process);
  });
  return out.slice(0, 20);
}

/** The history against the trace it came from: same invocations and completions, times in ns. */
function checkAgainstTrace(ops: Op[], events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  const inv = events.filter((e) => e.k === "invoke");
  const done = events.filter((e) => e.k === "ok" || e.k === "fail" || e.k === "info");
  if (ops.filter((o) => o.type === "invoke").length !== inv.length) out.push(`${inv.length} invokes in the trace`);
  if (ops.filter((o) => o.type !== "invoke").length !== done.length)
    out.push(`${done.length} completions in the trace`);
  const times = [...inv, ...done].map((e) => e.t * 1000).sort((a, b) => a - b);
  const got = ops.map((o) => o.time).sort((a, b) => a - b);
  if (JSON.stringify(times) !== JSON.stringify(got)) out.push("times are not the trace's times in nanoseconds");
  return out;
}

const HEADER = {} as TraceHeader;

/** Client runs: each client a process at a time, any op, any outcome; an :info retires the process. */
const runs = fc.array(
  fc.record({
    client: fc.nat(2),
    op: fc.oneof(
      fc.record({ f: fc.constant("read"), key: fc.string() }),
      fc.record({ f: fc.constantFrom("write", "append"), key: fc.string(), value: fc.string({ unit: "binary" }) }),
      fc.record({
        f: fc.constant("cas"),
        key: fc.string(),
        expected: fc.option(fc.string(), { nil: null }),
        value: fc.string({ unit: "grapheme" }),
      }),
    ),
    outcome: fc.constantFrom("ok", "fail", "info", "pending", "twice"),
    result: fc.oneof(
      fc.string({ unit: "binary" }),
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.dictionary(fc.string(), fc.string()),
      fc.array(fc.string()),
    ),
  }),
  { maxLength: 40 },
);

function toEvents(ops: RunOp[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  const process = [0, 1, 2];
  const busy = [false, false, false];
  let next = 3;
  let t = 0;
  ops.forEach((o, r) => {
    if (busy[o.client]) return;
    const c = `c${o.client}`;
    const p = process[o.client] as number;
    out.push({ t: (t += 7), k: "invoke", c, p, r, n: "n1", op: o.op });
    if (o.outcome === "pending") {
      busy[o.client] = true;
      return;
    }
    const k = (o.outcome === "twice" ? "ok" : o.outcome) as "ok" | "fail" | "info";
    out.push({ t: (t += 7), k, c, p, r, n: "n1", v: o.op.f === "cas" && k === "ok" ? o.result === false : o.result });
    if (o.outcome === "twice") out.push({ t: (t += 7), k: "ok", c, p, r, n: "n1", v: o.result });
    if (k === "info") process[o.client] = next++;
  });
  return out;
}
type RunOp = {
  client: number;
  op: { f: string; key: string; value?: string; expected?: string | null };
  outcome: string;
  result: unknown;
};

describe("Jepsen EDN export", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("is a well-formed Jepsen history: %s", (_name, c) => {
    const trace = traceOf(c);
    const ops = readHistory(toJepsenHistory(trace.header, trace.events, trace.footer));
    expect(checkHistory(ops), `faultline run scenarios/${c.file || "(echo)"} --seed ${c.seed}`).toEqual([]);
    if (c.file !== "") {
      expect(checkAgainstTrace(ops, trace.events)).toEqual([]);
      expect(ops.length).toBeGreaterThan(20);
      expect(count(trace.events, (e) => e.k === "info") + count(trace.events, (e) => e.k === "fail")).toBeGreaterThan(
        0,
      );
    }
  });

  fcTest.prop([runs])("is readable EDN and a well-formed history for any ops, values and results", (ops) => {
    const events = toEvents(ops);
    const history = readHistory(toJepsenHistory(HEADER, events));
    expect(checkHistory(history)).toEqual([]);
    expect(history.filter((o) => o.type === "invoke").length).toBe(count(events, (e) => e.k === "invoke"));
  });

  describe("the reader itself", () => {
    const good =
      '{:type :invoke, :f :read, :value ["k" nil], :process 0, :time 1000, :index 0}\n{:type :info, :f ' +
      ':read, :value ["k" nil], :process 0, :time 2000, :index 1}\n';
    it("accepts a good history", () => expect(checkHistory(readHistory(good))).toEqual([]));
    it.each([
      ["a JSON escape EDN lacks", good.replace('"k"', '"\\/k"'), /bad string escape/],
      [
        "a keyword with a space (the old exporter's map keys)",
        good.replace(":process 0,", ":process 0, :a b 1,"),
        /even number|bad/,
      ],
      ["NaN as a bare symbol read as :process", good.replace(":process 0,", ":process NaN,"), /not an integer/],
      ["an unterminated map", good.slice(0, 40), /missing [\]}]/],
    ])("catches %s", (_what, text, pattern) => {
      expect(() => checkHistory(readHistory(text))).toThrow(pattern);
    });
    it.each([
      [
        "a second completion (the old exporter, given one)",
        `${good}{:type :ok, :f :read, :value ["k" "v"], :process 0, :time 3000, :index 2}\n`,
        /appears after its :info/,
      ],
      [
        "a process reused after :info",
        `${good}{:type :invoke, :f :read, :value ["k" nil], :process 0, :time 3000, :index 2}\n`,
        /appears after its :info/,
      ],
      ["a skipped index", good.replace(":index 1", ":index 2"), /has :index 2/],
      [
        "a cas without [old new]",
        good.replaceAll(':f :read, :value ["k" nil]', ':f :cas, :value ["k" "x"]'),
        /cas value must be/,
      ],
    ])("catches %s", (_what, text, pattern) => {
      expect(checkHistory(readHistory(text)).join("\n")).toMatch(pattern);
    });
  });
});
