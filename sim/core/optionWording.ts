/**
 * The one place where zod's view of a protocol's options becomes the project's wording: each field's "expected ..."
 * phrase for messages, its type for the docs table, and a zod issue turned into a path under `protocol.options` and
 * a message. The phrases are read off the schema (number bounds, enum values, the field kinds of optionFields.ts), so
 * a new field is worded with nothing else written. A schema's `.meta({ expected, type, fields })` overrides a phrase.
 */
import { z } from "zod";
import { fieldKinds } from "./optionFields.ts";

/** A problem with a scenario's protocol options: the path inside `protocol.options` ("" for the whole) and why. */
export interface OptionProblem {
  path: string;
  message: string;
}

/** A string from the schema's own meta (`.meta({ expected: "..." })`), if it set one. */
function metaText(s: z.ZodType, key: "expected" | "type" | "fields"): string | undefined {
  const v = z.globalRegistry.get(s)?.[key];
  return typeof v === "string" ? v : undefined;
}

/** The schema a wrapper (default, optional, nullable, readonly, pipe) wraps, or null for any other schema. */
function unwrapped(s: z.ZodType): z.ZodType | null {
  if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) return s.unwrap() as z.ZodType;
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return s.unwrap() as z.ZodType;
  if (s instanceof z.ZodReadonly) return s.unwrap() as z.ZodType;
  if (s instanceof z.ZodPipe) return s.in as z.ZodType;
  return null;
}

/** The schema under every wrapper. */
function core(s: z.ZodType): z.ZodType {
  for (let inner = unwrapped(s); inner !== null; inner = unwrapped(s)) s = inner;
  return s;
}

/** The bounds of a number as words: ">= 1", "in [0, 1]", or "" when unbounded. */
function range(min: number | null, max: number | null): string {
  const lo = min !== null && min > Number.MIN_SAFE_INTEGER ? min : null;
  const hi = max !== null && max < Number.MAX_SAFE_INTEGER ? max : null;
  if (lo !== null && hi !== null) return ` in [${lo}, ${hi}]`;
  if (lo !== null) return ` >= ${lo}`;
  if (hi !== null) return ` <= ${hi}`;
  return "";
}

function numberPhrase(s: z.ZodNumber): string {
  const bounds = range(s.minValue, s.maxValue);
  if (fieldKinds.get(s)?.kind === "micros") return `a whole number of microseconds${bounds}`;
  return s.isInt ? `a whole number${bounds}` : `a number${bounds}`;
}

/** `{atMicros, add?, remove?}`: an object's fields, the optional ones marked. */
function objectShape(s: z.ZodObject): string {
  const fields = Object.entries(s.shape).map(([k, v]) => (v instanceof z.ZodOptional ? `${k}?` : k));
  return `{${fields.join(", ")}}`;
}

function minItems(s: z.ZodArray): number {
  const bag = s._zod.bag as { minimum?: number };
  return bag.minimum ?? 0;
}

/** What a value of schema `s` must be, after "expected " in a message. */
export function expectedOf(s: z.ZodType): string {
  const own = metaText(s, "expected");
  if (own !== undefined) return own;
  if (s instanceof z.ZodNullable) return `${expectedOf(s.unwrap() as z.ZodType)} or null`;
  const inner = unwrapped(s);
  if (inner !== null) return expectedOf(inner);
  const kind = fieldKinds.get(s)?.kind;
  if (s instanceof z.ZodNumber) return numberPhrase(s);
  if (s instanceof z.ZodBoolean) return "true or false";
  if (s instanceof z.ZodString) return "a string";
  if (s instanceof z.ZodEnum) {
    const values = s.options.map(String);
    if (kind === "node") return `a node id of the topology (${values.join(", ")})`;
    return `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => JSON.stringify(v)).join(" or ");
  if (s instanceof z.ZodArray) {
    if (kind === "nodes") return "a non-empty list of node ids";
    const list = minItems(s) > 0 ? "a non-empty list" : "a list";
    const element = core(s.element as z.ZodType);
    const what = expectedOf(s.element as z.ZodType);
    return element instanceof z.ZodObject ? `${list} of ${what}` : `${list}, each ${what}`;
  }
  if (s instanceof z.ZodObject) return objectShape(s);
  if (s instanceof z.ZodUnion) return s.options.map((o) => expectedOf(o as z.ZodType)).join(" or ");
  return s._zod.def.type;
}

/** The type of a value of schema `s` as the docs table shows it ("micros >= 1", "node id | null"). */
export function typeOf(s: z.ZodType): string {
  const own = metaText(s, "type");
  if (own !== undefined) return own;
  if (s instanceof z.ZodNullable) return `${typeOf(s.unwrap() as z.ZodType)} | null`;
  const inner = unwrapped(s);
  if (inner !== null) return typeOf(inner);
  const kind = fieldKinds.get(s)?.kind;
  if (kind === "node") return "node id";
  if (kind === "nodes") return "node ids";
  if (s instanceof z.ZodNumber) {
    const name = kind === "micros" ? "micros" : s.isInt ? "integer" : "number";
    return `${name}${range(s.minValue, s.maxValue)}`;
  }
  if (s instanceof z.ZodEnum) return s.options.map((v) => JSON.stringify(v)).join(" | ");
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => JSON.stringify(v)).join(" | ");
  if (s instanceof z.ZodArray) return `[${typeOf(s.element as z.ZodType)}]`;
  if (s instanceof z.ZodObject) return objectShape(s);
  if (s instanceof z.ZodUnion) return s.options.map((o) => typeOf(o as z.ZodType)).join(" | ");
  return s._zod.def.type;
}

/** The first description found from the outside in (`.describe()` may come before or after `.default()`). */
export function descriptionOf(s: z.ZodType): string {
  for (let at: z.ZodType | null = s; at !== null; at = unwrapped(at)) {
    const d = z.globalRegistry.get(at)?.description;
    if (d !== undefined) return d;
  }
  return "";
}

/** `reconfigure[1].add` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

/** The schema of the value at `path` under `root`, or null when the path leaves the schema. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
  let s: z.ZodType = root;
  for (const p of path) {
    const c = core(s);
    if (c instanceof z.ZodObject && typeof p === "string" && Object.hasOwn(c.shape, p)) s = c.shape[p] as z.ZodType;
    else if (c instanceof z.ZodArray && typeof p === "number") s = c.element as z.ZodType;
    else return null;
  }
  return s;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The names an object has, for the unknown-field message: its `fields` meta, else "it has: a, b". */
function fieldsHint(s: z.ZodType | null): string {
  if (s === null) return "";
  const own = metaText(s, "fields");
  if (own !== undefined) return ` (${own})`;
  const c = core(s);
  return c instanceof z.ZodObject ? ` (it has: ${Object.keys(c.shape).join(", ") || "none"})` : "";
}

/**
 * The problem to report for a failed parse of `input` by the options schema `root` of protocol `protocol`: an unknown
 * option first (as "protocol raft has no option ..."), else the first issue in zod's order (fields in declaration
 * order, then the cross-field rules). Messages a rule wrote itself (`ctx.addIssue({ message })`) are kept as written;
 * every other issue says what the field expects, read off its schema, and the value it got.
 */
export function problemOf(
  issues: readonly z.core.$ZodIssue[],
  root: z.ZodType,
  input: unknown,
  protocol: string,
): OptionProblem {
  const first = issues.find((i) => i.code === "unrecognized_keys" && i.path.length === 0) ?? issues[0];
  if (first === undefined) return { path: "", message: "rejected with no reason given" };
  const path = formatPath(first.path);
  const at = schemaAt(root, first.path);
  switch (first.code) {
    case "custom":
      return { path, message: first.message };
    case "unrecognized_keys": {
      const key = first.keys[0] ?? "";
      if (first.path.length === 0) {
        const names = Object.keys((core(root) as z.ZodObject).shape);
        return {
          path: key,
          message: `protocol ${protocol} has no option "${key}" (it has: ${names.join(", ") || "none"})`,
        };
      }
      return { path, message: `unknown field "${key}"${fieldsHint(at)}` };
    }
    default: {
      const expected = at === null ? "a value the option accepts" : expectedOf(at);
      return { path, message: `expected ${expected}, got ${JSON.stringify(valueAt(input, first.path))}` };
    }
  }
}
