/**
 * Scenario loading: text (YAML or JSON) -> validated -> resolved, with errors that name the file, the field path
 * inside it and what was expected: `scenarios/x.yaml: network.links[2].loss: expected a number in [0, 1], got 1.5`.
 * Browser-safe: the viewer's what-if editor uses it too.
 */
import { parseDocument } from "yaml";
import type { z } from "zod";
import { formatPath } from "../core/optionWording.ts";
import type { ProtocolRegistry } from "../core/registry.ts";
import { resolveScenario } from "./resolve.ts";
import type { ResolvedScenario } from "./resolved.ts";
import { ScenarioError } from "./scenarioError.ts";
import { ScenarioSchema } from "./schema.ts";

/** A zod issue path as the messages print it (`faults.schedule[2].crash`). */
export { formatPath };

export { ScenarioError };

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Unknown fields first: a misspelt field also shows up as a missing one, and the misspelling is the real cause. */
function rank(issue: z.core.$ZodIssue): number {
  return issue.code === "unrecognized_keys" ? 0 : 1;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): { path: string; message: string } {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    const parent = path.length === 0 ? "the top level" : formatPath(path);
    const at = formatPath([...path, keys[0] as string]);
    return {
      path: at,
      message: `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")} in ${parent}`,
    };
  }
  const got = valueAt(root, path);
  if (got === undefined && issue.code === "invalid_type")
    return { path: formatPath(path), message: `missing required field (expected ${issue.expected})` };
  // JSON has no Infinity or NaN (YAML's .inf, .nan): show them as themselves, not as JSON's null.
  const shown =
    got === undefined
      ? "nothing"
      : typeof got === "number" && !Number.isFinite(got)
        ? String(got)
        : JSON.stringify(got);
  const text = plainWords(issue);
  // Unit parsers usually quote the value already ("unknown bandwidth unit "MBps" in "100MBps""): say it once.
  const message =
    text.includes("got ") || (typeof got === "string" && text.includes(shown)) ? text : `${text}, got ${shown}`;
  return { path: formatPath(path), message };
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  object: "a mapping of fields",
  array: "a list",
  int: "an integer",
};

/**
 * zod's own wording ("Invalid input: expected string, received number", "Too small: expected number to be >=1") in this
 * tool's.
 */
function plainWords(issue: z.core.$ZodIssue): string {
  const m = issue.message;
  if (issue.code === "invalid_type" && m.startsWith("Invalid input"))
    return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
  if ((issue.code === "too_small" || issue.code === "too_big") && /^Too (small|big)/.test(m)) {
    const small = issue.code === "too_small";
    const bound = Number(small ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive !== false;
    if (issue.origin === "array")
      return `expected ${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
    if (issue.origin === "string")
      return `expected ${small ? "at least" : "at most"} ${bound} character${bound === 1 ? "" : "s"}`;
    return `expected a number ${small ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<"} ${bound}`;
  }
  if (issue.code === "invalid_value" && m.startsWith("Invalid option"))
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  return m;
}

/** yaml's limit on how much aliases may expand (its default is 100); scenario files rarely need aliases at all. */
const MAX_ALIAS_COUNT = 50;

/** Parse YAML or JSON text into plain data; syntax errors carry line and column. */
export function parseScenarioData(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  const err = doc.errors[0];
  if (err?.code === "MULTIPLE_DOCS") {
    const pos = err.linePos?.[0];
    throw new ScenarioError(
      source,
      "",
      `a scenario file is one YAML document, and a second one starts${pos ? ` at line ${pos.line}` : ""} (a` +
        ` \`---\` line, or \`...\` then more text)`,
    );
  }
  if (err !== undefined) {
    const pos = err.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : "";
    throw new ScenarioError(
      source,
      "",
      `not valid YAML/JSON${where ? ` (${where})` : ""}: ` +
        `${err.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
    );
  }
  let data: unknown;
  try {
    // Aliases that expand to many copies of a node (a "billion laughs" file) are refused instead of built.
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/alias/i.test(why))
      throw new ScenarioError(
        source,
        "",
        `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} copies of an anchored node); write the ` +
          `values out or use fewer aliases`,
      );
    throw new ScenarioError(source, "", `not valid YAML/JSON: ${why.split("\n")[0]}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ScenarioError(
      source,
      "",
      "expected a mapping of scenario fields (name, duration, protocol, topology, ...)",
    );
  }
  return data;
}

/** Text -> a resolved scenario. With a registry, the protocol, its bugs and invariants are checked too. */
export function parseScenario(text: string, source: string, registry?: ProtocolRegistry): ResolvedScenario {
  const data = parseScenarioData(text, source);
  const parsed = ScenarioSchema.safeParse(data);
  if (!parsed.success) {
    const issues = [...parsed.error.issues].sort((a, b) => rank(a) - rank(b));
    const issue = issues[0] as z.core.$ZodIssue;
    const { path, message } = describeIssue(issue, data);
    throw new ScenarioError(source, path, message);
  }
  return resolveScenario(parsed.data, source, registry);
}
