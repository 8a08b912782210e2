import type { TraceEvent, TraceHeader } from "../events.ts";

function edn(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(edn).join(" ")}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `:${k} ${edn(x)}`).join(", ")}}`;
}

/** The op's Jepsen value: [key value] tuples as Jepsen's independent checker writes them; cas values are [old new]. */
function value(op: { f: string; key: string; value?: string; expected?: string | null }, result: unknown, type: string): unknown {
  if (op.f === "read") return [op.key, type === "ok" ? result : null];
  if (op.f === "cas") return [op.key, [op.expected ?? null, op.value ?? null]];
  return [op.key, op.value ?? null];
}

/**
 * The client history as a Jepsen EDN history: one map per line with :type :invoke/:ok/:fail/:info, :f, :value,
 * :process, :time (nanoseconds) and :index, keys as [k v] tuples.
 */
export function toJepsenHistory(_header: TraceHeader, events: readonly TraceEvent[]): string {
  const ops = new Map<number, { f: string; key: string; value?: string; expected?: string | null }>();
  const lines: string[] = [];
  let index = 0;
  for (const e of events) {
    if (e.k === "invoke") {
      const op = e.op as { f: string; key: string; value?: string; expected?: string | null };
      ops.set(e.r, op);
      lines.push(`{:type :invoke, :f :${op.f}, :value ${edn(value(op, null, "invoke"))}, :process ${e.p}, :time ${e.t * 1000}, :index ${index++}}`);
    } else if (e.k === "ok" || e.k === "fail" || e.k === "info") {
      const op = ops.get(e.r);
      if (op === undefined) continue;
      const v = op.f === "cas" && e.k === "ok" && e.v === false ? null : value(op, e.v, e.k);
      const type = op.f === "cas" && e.k === "ok" && e.v === false ? "fail" : e.k;
      lines.push(`{:type :${type}, :f :${op.f}, :value ${edn(v)}, :process ${e.p}, :time ${e.t * 1000}, :index ${index++}}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
