import type { OptionProblem } from "../../sim/core/optionChecks.ts";
import type { ProtocolOptionDoc } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { type PaxosOptions, paxosOptionsSchema } from "./options.ts";

/*
 * An adapter from Paxos's zod schema (options.ts) to the declared-options API of sim/core/protocol.ts: the docs
 * table, the loader's checks and the typed options all come from the schema. It goes away when the protocol-options
 * seam takes a schema itself.
 */

const shape = paxosOptionsSchema({ nodes: [] }).shape;
const defaults = paxosOptionsSchema({ nodes: [] }).parse({});

function typeOf(name: string, def: { type: string; entries?: Record<string, string> }): string {
  if (def.type === "enum")
    return Object.keys(def.entries ?? {})
      .map((v) => JSON.stringify(v))
      .join(" | ");
  if (def.type === "number") return name.endsWith("Micros") ? "micros" : "integer";
  if (def.type === "array") return "node ids | null";
  return def.type;
}

/** The inner schema of a field wrapped in .default() and .nullable(). */
function innerDef(field: unknown): { type: string; entries?: Record<string, string> } {
  let def = (field as { _zod: { def: { type: string; innerType?: unknown } } })._zod.def;
  while ((def.type === "default" || def.type === "nullable") && def.innerType !== undefined)
    def = (def.innerType as { _zod: { def: typeof def } })._zod.def;
  return def;
}

export const LEGACY_OPTION_DOCS: readonly ProtocolOptionDoc[] = Object.entries(shape).map(([name, field]) => ({
  name,
  type: typeOf(name, innerDef(field)),
  default: defaults[name as keyof PaxosOptions],
  description: field.description ?? "",
  value: { kind: "custom" },
}));

/** The schema's first complaint, as a path inside the options and its message. */
export function checkLegacyOptions(o: Readonly<Record<string, unknown>>, nodes: readonly NodeId[]): OptionProblem {
  const r = paxosOptionsSchema({ nodes }).safeParse(o);
  if (r.success) return null;
  const issue = r.error.issues[0];
  if (issue === undefined) return { path: "", message: "invalid options" };
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`));
  return { path: path.join(""), message: issue.message };
}

/** Typed options, defaults filled in (the scenario loader has already checked them). */
export function legacyOptions(options: unknown, nodes: readonly NodeId[]): PaxosOptions {
  return paxosOptionsSchema({ nodes }).parse(options ?? {});
}
