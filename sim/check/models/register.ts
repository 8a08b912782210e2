import { assertNever } from "../../core/types.ts";
import type { Model } from "./model.ts";
import type { CheckOp } from "./op.ts";

type Value = string | null;

/** A read result as the register holds it: a list read (`[a b]`) is its elements joined by ",", nothing is null. */
function readValue(actual: unknown): Value | undefined {
  if (actual === null || actual === undefined) return null;
  if (Array.isArray(actual)) return actual.length === 0 ? null : actual.map((x) => String(x)).join(",");
  if (typeof actual === "string" || typeof actual === "number" || typeof actual === "boolean") return String(actual);
  return undefined;
}

/**
 * One register per key (Knossos' cas-register, Porcupine's kv model): the value is a string, or null when never
 * written. read returns it; write sets it; cas(expected, value) sets it if it equals `expected` and returns whether it
 * did; append(v) sets it to v if absent, else to `<old>,<v>`.
 */
export const registerModel: Model<Value> = {
  name: "register",
  summary: "one register per key: read, write, cas (returns true/false), append (joins with ',')",
  ops: ["read", "write", "cas", "append"],
  init: () => null,
  step(state, op: CheckOp, result, checked) {
    switch (op.f) {
      case "read":
        return !checked || readValue(result) === state ? state : undefined;
      case "write":
        return op.value;
      case "cas": {
        const applied = state === op.expected;
        if (checked && result !== applied) return undefined;
        return applied ? op.value : state;
      }
      case "append":
        return state === null ? op.value : `${state},${op.value}`;
      case "acquire":
      case "release":
      case "add":
      case "enqueue":
      case "dequeue":
        return undefined;
      default:
        return assertNever(op, "op");
    }
  },
  key: (state) => (state === null ? "\u0000" : state),
  isReadOnly: (op) => op.f === "read",
  writes(op, result, ok) {
    if (op.f === "cas") return !ok || result === true ? [op.value] : [];
    return op.f === "write" || op.f === "append" ? [op.value] : [];
  },
  reads(op, result, ok) {
    if (op.f === "read") {
      const v = ok ? readValue(result) : null;
      return v === null || v === undefined ? [] : [v];
    }
    if (op.f === "cas" && (!ok || result === true) && op.expected !== null) return [op.expected];
    return [];
  },
};
