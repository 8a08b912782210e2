import type { TraceEvent, TraceFooter, TraceHeader } from "../events.ts";
import { exportToString, type LineSink, type TraceExporter } from "./stream.ts";

/** A keyword's name that a Clojure/EDN reader reads back as the same keyword (no "/", ":" or "#" inside). */
const KEYWORD_NAME = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/;

/** A value as EDN: strings escaped as EDN strings, maps with keyword keys where a key can be one, else string keys. */
export function edn(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "string") return ednString(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "##NaN";
    if (!Number.isFinite(v)) return v > 0 ? "##Inf" : "##-Inf";
    return Object.is(v, -0) ? "0" : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(edn).join(" ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${KEYWORD_NAME.test(k) ? `:${k}` : ednString(k)} ${edn(x)}`)
      .join(", ")}}`;
  }
  return ednString(String(v));
}

/** An EDN string: only \" \\ \n \r \t and \uXXXX escapes (JSON's \b, \f and \/ are not EDN). */
function ednString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff && !wellPaired(s, i)))
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** True when the surrogate at i is half of a proper pair (lone halves are escaped, so the file stays valid UTF-8). */
function wellPaired(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff;
  }
  const b = s.charCodeAt(i - 1);
  return i > 0 && b >= 0xd800 && b <= 0xdbff;
}

interface KvOp {
  f: string;
  key: string;
  value?: string;
  expected?: string | null;
}

/** The op's Jepsen :value: [key value] tuples as Jepsen's independent checker writes them; cas values are [old new]. */
function value(op: KvOp, result: unknown, type: string): unknown {
  if (op.f === "read") return [op.key, type === "ok" ? result : null];
  if (op.f === "cas") return [op.key, [op.expected ?? null, op.value ?? null]];
  return [op.key, op.value ?? null];
}

/**
 * The client history as a Jepsen EDN history: one map per line with :type (:invoke, :ok, :fail, :info), :f, :value,
 * :process, :time (nanoseconds) and :index. A cas that found another value is :fail (Jepsen's convention) and keeps
 * its [key [old new]] value. A
 * completion is written at most once per invocation, and only for the process that invoked it; the engine gives a
 * client a new process after an :info, as Jepsen does. Ops still pending at the end stay invocations without a
 * completion (Jepsen reads them as indeterminate).
 */
export function jepsenExporter(emit: LineSink): TraceExporter {
  const ops = new Map<number, { op: KvOp; p: number }>();
  let index = 0;
  const line = (type: string, f: string, v: unknown, p: number, t: number) =>
    emit(`{:type :${type}, :f :${f}, :value ${edn(v)}, :process ${p}, :time ${t * 1000}, :index ${index++}}`);
  return {
    header(): void {},
    event(e: TraceEvent): void {
      if (e.k === "invoke") {
        const op = e.op as KvOp | null;
        if (op === null || typeof op !== "object" || typeof op.f !== "string" || !KEYWORD_NAME.test(op.f)) return;
        ops.set(e.r, { op, p: e.p });
        line("invoke", op.f, value(op, null, "invoke"), e.p, e.t);
      } else if (e.k === "ok" || e.k === "fail" || e.k === "info") {
        const inv = ops.get(e.r);
        if (inv === undefined || inv.p !== e.p) return;
        ops.delete(e.r);
        const casMiss = inv.op.f === "cas" && e.k === "ok" && e.v === false;
        line(casMiss ? "fail" : e.k, inv.op.f, value(inv.op, e.v, casMiss ? "fail" : e.k), e.p, e.t);
      }
    },
    finish(_footer: TraceFooter | null): void {
      ops.clear();
    },
  };
}

/** The whole Jepsen EDN history of an in-memory trace. */
export function toJepsenHistory(
  header: TraceHeader,
  events: readonly TraceEvent[],
  footer: TraceFooter | null = null,
): string {
  return exportToString(jepsenExporter, header, events, footer);
}
