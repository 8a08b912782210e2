import type { NodeId } from "./types.ts";

/**
 * What a protocol's `checkOptions` reports: the option's path under `protocol.options` and what was expected, or null
 * when the options are fine. The scenario loader names the file and exits 2.
 */
export type OptionProblem = { path: string; message: string } | null;

/** `v` must be one of the topology's node ids. */
export function expectNodeId(path: string, v: unknown, nodes: readonly NodeId[]): OptionProblem {
  if (typeof v === "string" && nodes.includes(v)) return null;
  return { path, message: `expected a node id of the topology (${nodes.join(", ")}), got ${JSON.stringify(v)}` };
}

/** `v` must be a whole number of microseconds, at least `min`. */
export function expectMicros(path: string, v: unknown, min: number): OptionProblem {
  if (typeof v === "number" && Number.isInteger(v) && v >= min) return null;
  return { path, message: `expected a whole number of microseconds >= ${min}, got ${JSON.stringify(v)}` };
}
