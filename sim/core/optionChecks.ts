import type { NodeId } from "./types.ts";

/**
 * What a protocol's `checkOptions` reports: the option's path under `protocol.options` and what was expected, or null
 * when the options are fine. The scenario loader names the file and exits 2.
 */
export type OptionProblem = { path: string; message: string } | null;

/**
 * The kind of value an option takes, declared with the option (ProtocolOptionDoc.value). The scenario loader checks
 * every option a scenario sets against its declaration before the protocol's own `checkOptions` (cross-field rules)
 * runs. `max` defaults to Number.MAX_SAFE_INTEGER; `custom` values are left to `checkOptions`.
 */
export type OptionKind =
  | { kind: "integer"; min: number; max?: number }
  | { kind: "micros"; min: number; max?: number }
  | { kind: "number"; min: number; max: number }
  | { kind: "boolean" }
  | { kind: "enum"; values: readonly string[] }
  /** A node id of the topology (or null when `nullable`: the protocol picks one). */
  | { kind: "node"; nullable: boolean }
  /** A non-empty list of node ids of the topology (or null when `nullable`). */
  | { kind: "nodes"; nullable: boolean }
  | { kind: "custom" };

/** `v` must be one of the topology's node ids. */
export function expectNodeId(path: string, v: unknown, nodes: readonly NodeId[]): OptionProblem {
  if (typeof v === "string" && nodes.includes(v)) return null;
  return { path, message: `expected a node id of the topology (${nodes.join(", ")}), got ${JSON.stringify(v)}` };
}

/** `v` must be a whole number of microseconds, at least `min` (and at most `max`). */
export function expectMicros(
  path: string,
  v: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): OptionProblem {
  return expectWhole(path, v, min, max, "a whole number of microseconds");
}

/** `v` must be an integer in [min, max]; the message names it as `what`. */
function expectWhole(path: string, v: unknown, min: number, max: number, what: string): OptionProblem {
  if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return null;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
  return { path, message: `expected ${what} ${range}, got ${JSON.stringify(v)}` };
}

/** `v` checked against its declared kind. */
export function checkOptionValue(path: string, kind: OptionKind, v: unknown, nodes: readonly NodeId[]): OptionProblem {
  const got = JSON.stringify(v);
  switch (kind.kind) {
    case "micros":
      return expectMicros(path, v, kind.min, kind.max);
    case "integer":
      return expectWhole(path, v, kind.min, kind.max ?? Number.MAX_SAFE_INTEGER, "a whole number");
    case "number":
      if (typeof v === "number" && v >= kind.min && v <= kind.max) return null;
      return { path, message: `expected a number in [${kind.min}, ${kind.max}], got ${got}` };
    case "boolean":
      if (typeof v === "boolean") return null;
      return { path, message: `expected true or false, got ${got}` };
    case "enum":
      if (typeof v === "string" && kind.values.includes(v)) return null;
      return { path, message: `expected one of ${kind.values.map((x) => JSON.stringify(x)).join(", ")}, got ${got}` };
    case "node":
      if (v === null && kind.nullable) return null;
      if (typeof v === "string" && nodes.includes(v)) return null;
      return {
        path,
        message:
          `expected a node id of the topology (${nodes.join(", ")})${kind.nullable ? " or null" : ""}` + `, got ${got}`,
      };
    case "nodes": {
      if (v === null && kind.nullable) return null;
      if (!Array.isArray(v) || v.length === 0)
        return { path, message: `expected a non-empty list of node ids${kind.nullable ? " or null" : ""}, got ${got}` };
      for (let i = 0; i < v.length; i++) {
        const bad = expectNodeId(`${path}[${i}]`, v[i], nodes);
        if (bad !== null) return bad;
      }
      return null;
    }
    case "custom":
      return null;
  }
}

/**
 * The value of every option the scenario sets, checked against its declaration, in the order of the declarations
 * (names the protocol does not declare are the loader's to report). Returns the first problem.
 */
export function checkDeclaredOptions(
  declared: readonly { name: string; value: OptionKind }[],
  options: Readonly<Record<string, unknown>>,
  nodes: readonly NodeId[],
): OptionProblem {
  for (const d of declared) {
    if (!Object.hasOwn(options, d.name)) continue;
    const bad = checkOptionValue(d.name, d.value, options[d.name], nodes);
    if (bad !== null) return bad;
  }
  return null;
}
