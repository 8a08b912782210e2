import type { KvOp } from "../../core/protocol.ts";

/**
 * Every operation a checker model knows: the key-value ops the engine's workload issues (read, write, cas, append) and
 * those of the other models (mutex acquire/release, set add, queue enqueue/dequeue). Each model accepts a subset
 * (`Model.ops`); a history holding an op its model does not know is bad input.
 */
export type CheckOp =
  | KvOp
  | { f: "acquire"; key: string }
  | { f: "release"; key: string }
  | { f: "add"; key: string; value: string }
  | { f: "enqueue"; key: string; value: string }
  | { f: "dequeue"; key: string };

export type CheckOpName = CheckOp["f"];

export const CHECK_OP_NAMES: readonly CheckOpName[] = [
  "read",
  "write",
  "cas",
  "append",
  "acquire",
  "release",
  "add",
  "enqueue",
  "dequeue",
];

/** A result as a list of strings: a list, or a comma-joined string (the KV store's append), or nothing. */
export function resultList(actual: unknown): string[] | null {
  if (actual === null || actual === undefined || actual === "") return [];
  if (Array.isArray(actual)) return actual.map((x) => String(x));
  if (typeof actual === "string") return actual.split(",");
  if (typeof actual === "number" || typeof actual === "boolean") return [String(actual)];
  return null;
}
