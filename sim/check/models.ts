import type { KvOp } from "../core/protocol.ts";
import { assertNever } from "../core/types.ts";

/**
 * The key-value register model shared by the protocols' state machines and the linearizability checker, so both
 * agree on what an operation does:
 * - a key's value is a string, or null when it was never written;
 * - read returns the value; write sets it; cas(expected, value) sets it only if the value equals `expected` (null
 *   matches an absent key) and returns true/false;
 * - append(value) sets the value to `value` if absent, else to `<old>,<value>`, and returns nothing.
 */
export type KvValue = string | null;

export function kvApply(current: KvValue, op: KvOp): { value: KvValue; result: unknown } {
  switch (op.f) {
    case "read":
      return { value: current, result: current };
    case "write":
      return { value: op.value, result: null };
    case "cas":
      return current === op.expected ? { value: op.value, result: true } : { value: current, result: false };
    case "append":
      return { value: current === null ? op.value : `${current},${op.value}`, result: null };
    default:
      return assertNever(op, "kv op");
  }
}

/**
 * Does an `ok` result agree with the model? Reads must return the current value; cas must report whether it applied.
 * Writes and appends carry no result to check.
 */
export function kvResultMatches(op: KvOp, expected: unknown, actual: unknown): boolean {
  switch (op.f) {
    case "read":
      return (actual ?? null) === expected;
    case "cas":
      return actual === expected;
    case "write":
    case "append":
      return true;
    default:
      return assertNever(op, "kv op");
  }
}
