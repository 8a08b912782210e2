/**
 * Protocol options as a fast-check arbitrary, derived from the protocol's zod schema (sim/core/protocolOptions.ts):
 * booleans, enums, numbers within their bounds (and near their default), node ids and lists of them, nullable fields,
 * arrays and nested objects. A field the walker cannot derive keeps its default. Every field is drawn as "default or a
 * value", so fast-check shrinks each one back to its default.
 */
import fc from "fast-check";
import type { z } from "zod";
import { fieldKinds } from "../../../core/optionFields.ts";
import type { AnyProtocol } from "../../../core/protocol.ts";
import type { NodeId } from "../../../core/types.ts";

/** A drawn option value whose node ids are still indices: `place` turns it into values for a topology. */
type Template = (nodes: readonly NodeId[]) => unknown;

/** The most nodes a template can name (indices are taken modulo the topology's node count). */
const PLACEHOLDER_NODES = 16;
const PLACEHOLDER_ENV = { nodes: Array.from({ length: PLACEHOLDER_NODES }, (_, i) => `n${i + 1}`) };
/** Longest array drawn for an array option. */
const MAX_ARRAY = 3;
/** Numbers are drawn within [default / SPREAD, default * SPREAD] (and the schema's bounds). */
const SPREAD = 4;

/** No value: the option is left out of the scenario and gets its default. */
const LEFT_OUT = Symbol("left out");

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definition, read field by field below
type Def = any;

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function constant(v: unknown): fc.Arbitrary<Template> {
  return fc.constant(() => v);
}

/** A number field: near its default, within its bounds; integers stay integers. */
function numberArb(s: z.ZodNumber, fallback: number | undefined): fc.Arbitrary<Template> {
  const min = Number.isFinite(s.minValue ?? Number.NaN) ? (s.minValue as number) : -1e6;
  const max = Number.isFinite(s.maxValue ?? Number.NaN) ? (s.maxValue as number) : 1e6;
  let lo = min;
  let hi = max;
  if (fallback !== undefined && fallback > 0) {
    lo = Math.max(min, Math.floor(fallback / SPREAD));
    hi = Math.min(max, Math.ceil(fallback * SPREAD));
  } else {
    hi = Math.min(max, Math.max(min, 0) + (s.isInt ? 100 : 1));
  }
  if (s.isInt) return fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }).map((n) => () => n);
  // Fractions in steps of 1/1000 of the range: integers shrink toward the low end, doubles would not shrink as well.
  return fc.integer({ min: 0, max: 1000 }).map((k) => () => lo + ((hi - lo) * k) / 1000);
}

/** A template arbitrary for schema `s`, or null when it cannot be derived (the field then keeps its default). */
function templateArb(s: z.ZodType, fallback: unknown): fc.Arbitrary<Template> | null {
  const def = defOf(s);
  switch (def.type) {
    case "default":
      return templateArb(def.innerType, def.defaultValue);
    case "optional":
      return templateArb(def.innerType, fallback);
    case "nullable": {
      const inner = templateArb(def.innerType, fallback === null ? undefined : fallback);
      return inner === null ? constant(null) : fc.oneof({ withCrossShrink: true }, constant(null), inner);
    }
    case "boolean":
      return fc.boolean().map((b) => () => b);
    case "number":
      return numberArb(s as z.ZodNumber, typeof fallback === "number" ? fallback : undefined);
    case "enum": {
      const values = (s as unknown as { options: unknown[] }).options;
      if (fieldKinds.get(s)?.kind === "node")
        return fc.nat({ max: PLACEHOLDER_NODES - 1 }).map((k) => (nodes) => nodes[k % nodes.length]);
      return values.length === 0 ? null : fc.constantFrom(...values).map((v) => () => v);
    }
    case "array": {
      const element = templateArb(def.element, undefined);
      if (element === null) return null;
      const minLength = Math.min(MAX_ARRAY, arrayMinLength(def));
      return fc.array(element, { minLength, maxLength: Math.max(minLength, MAX_ARRAY) }).map((items) => (nodes) => {
        const values = items.map((t) => t(nodes));
        // A list of node ids names each node once.
        return fieldKinds.get(def.element)?.kind === "node" ? [...new Set(values)] : values;
      });
    }
    case "object":
      return objectArb(s as z.ZodObject);
    default:
      return null;
  }
}

function arrayMinLength(def: Def): number {
  for (const c of def.checks ?? []) {
    const d = defOf(c);
    if (d.check === "min_length") return d.minimum as number;
  }
  return 0;
}

/** An object: each field either left out (its default) or drawn; fields that cannot be derived are left out. */
function objectArb(s: z.ZodObject): fc.Arbitrary<Template> {
  const entries: [string, fc.Arbitrary<Template | typeof LEFT_OUT>][] = [];
  for (const [name, field] of Object.entries(s.shape as Record<string, z.ZodType>)) {
    const arb = templateArb(field, undefined);
    if (arb === null) continue;
    const optional = defOf(field).type === "default" || defOf(field).type === "optional";
    entries.push([name, optional ? fc.option(arb, { nil: LEFT_OUT, freq: 2 }) : arb]);
  }
  return fc.tuple(...entries.map(([, a]) => a)).map((drawn) => (nodes) => {
    const out: Record<string, unknown> = {};
    drawn.forEach((t, i) => {
      if (t !== LEFT_OUT) out[(entries[i] as [string, unknown])[0]] = t(nodes);
    });
    return out;
  });
}

/** Options drawn for a protocol, to be placed on a topology with `placeOptions`. */
export type OptionsDraw = (nodes: readonly NodeId[]) => Record<string, unknown>;

/**
 * An arbitrary of `protocol.options` for `protocol`, as a function of the topology's node ids: every value it gives
 * passes the protocol's schema for those nodes. Options that break a cross-field rule (`electionMinMicros` above
 * `electionMaxMicros`) are left out, one at a time, until the rest pass; `fixed` options are set as given.
 */
export function optionsDrawArb(protocol: AnyProtocol, fixed: Record<string, unknown> = {}): fc.Arbitrary<OptionsDraw> {
  const schema = protocol.options.schema(PLACEHOLDER_ENV) as unknown as z.ZodObject;
  const arb = objectArb(schema);
  return arb.map((template) => (nodes) => {
    const drawn = { ...(template(nodes) as Record<string, unknown>), ...fixed };
    for (let tries = Object.keys(drawn).length; tries >= 0; tries--) {
      const r = protocol.options.resolve(drawn, { nodes }, protocol.name);
      if (r.ok) return drawn;
      const field = r.problem.path.split(/[.[]/)[0] ?? "";
      if (!(field in drawn) || field in fixed) break;
      delete drawn[field];
    }
    // The fixed options alone must pass: that is the caller's choice, and the loader will say what is wrong.
    return { ...fixed };
  });
}

/** Options for a topology of `nodes`, every one passing the schema (an arbitrary of plain values). */
export function optionsArb(
  protocol: AnyProtocol,
  nodes: readonly NodeId[],
  fixed: Record<string, unknown> = {},
): fc.Arbitrary<Record<string, unknown>> {
  return optionsDrawArb(protocol, fixed).map((draw) => draw(nodes));
}
