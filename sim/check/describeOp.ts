import { assertNever } from "../core/types.ts";
import type { HistoryOp } from "./history.ts";
import type { CheckOp } from "./models/op.ts";

function opArgs(o: CheckOp): string {
  switch (o.f) {
    case "read":
    case "acquire":
    case "release":
    case "dequeue":
      return "";
    case "cas":
      return ` ${JSON.stringify(o.expected)}->${JSON.stringify(o.value)}`;
    case "write":
    case "append":
    case "add":
    case "enqueue":
      return ` ${JSON.stringify(o.value)}`;
    default:
      return assertNever(o, "op");
  }
}

/** One op as a violation message shows it: `client rID op args = result [invoke..complete, outcome]`. */
export function describeOp(h: HistoryOp<CheckOp>): string {
  const o = h.op;
  const shows = o.f === "read" || o.f === "cas" || o.f === "dequeue";
  const res = h.outcome === "ok" && shows ? ` = ${JSON.stringify(h.result ?? null)}` : "";
  const end = h.completeMicros === null ? "?" : String(h.completeMicros);
  return `${h.client} r${h.requestId} ${o.f}${opArgs(o)}${res} [${h.invokeMicros}us..${end}us, ${h.outcome}]`;
}
