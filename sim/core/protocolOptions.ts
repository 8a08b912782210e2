/**
 * A protocol's options as one zod schema: the type (z.infer), the defaults (`.default`), the validation with paths
 * and messages, and the docs table (`.describe`, `.meta`) all come from it, so adding an option is one line in one
 * place. The schema is built per topology (`env`), so node-id options can name its nodes.
 */
import { z } from "zod";
import { type OptionsEnv, micros, nodeId, nodeIds } from "./optionFields.ts";
import { descriptionOf, type OptionProblem, problemOf, typeOf } from "./optionWording.ts";

export { micros, nodeId, nodeIds, type OptionProblem, type OptionsEnv };

/** One row of the docs table `faultline protocols` prints. */
export interface OptionDoc {
  name: string;
  /** The type as a reader sees it ("micros >= 1", "node id | null"). */
  type: string;
  /** The value used when the scenario does not set the option; the resolved scenario records it. */
  default: unknown;
  description: string;
}

/** Options checked, with every default filled in, in declaration order; or the first problem, worded. */
export type OptionsResult<O> = { ok: true; options: O } | { ok: false; problem: OptionProblem };

/** One schema per protocol: type (z.infer), defaults (.default), validation messages with paths, docs (.describe). */
export interface ProtocolOptionsSpec<O> {
  /** The schema for a topology (unknown options are rejected). */
  schema(env: OptionsEnv): z.ZodType<O>;
  /**
   * The options a scenario gave (`protocol.options`), checked against the schema for `env`: every option with its
   * default filled in, in declaration order, or the first problem as a path inside the options and a message in the
   * project's wording (optionWording.ts). `protocol` names the protocol in the unknown-option message.
   */
  resolve(given: unknown, env: OptionsEnv, protocol: string): OptionsResult<O>;
  /** Every option at its default, for `env` (throws if an option has no default, or the defaults break a rule). */
  defaults(env: OptionsEnv): O;
  /** Every option's name, type, default and description, in declaration order. */
  readonly docs: readonly OptionDoc[];
}

export type OptionsOf<Spec> = Spec extends ProtocolOptionsSpec<infer O> ? O : never;

/** The topology the docs table is built for (types, defaults and descriptions do not depend on it). */
const DOCS_ENV: OptionsEnv = { nodes: ["n1", "n2", "n3"] };

/** Schemas built per topology are kept for this many topologies (a sweep reuses a few). */
const SCHEMAS_KEPT = 32;

// biome-ignore lint/suspicious/noExplicitAny: any object schema, whatever its shape (zod's own bound for it)
export function defineOptions<T extends z.ZodObject<any>>(
  build: (env: OptionsEnv) => T,
): ProtocolOptionsSpec<z.output<T>> {
  const built = new Map<string, T>();
  const schema = (env: OptionsEnv): T => {
    const key = env.nodes.join("\u0000");
    let s = built.get(key);
    if (s === undefined) {
      if (built.size >= SCHEMAS_KEPT) built.clear();
      s = build(env).strict() as T;
      built.set(key, s);
    }
    return s;
  };
  let docs: OptionDoc[] | undefined;
  return {
    // A schema T parses to z.output<T>; zod cannot see that through T's open bound (its output reads as a record).
    schema: schema as unknown as (env: OptionsEnv) => z.ZodType<z.output<T>>,
    resolve(given, env, protocol) {
      const s = schema(env);
      const r = s.safeParse(given);
      if (r.success) return { ok: true, options: r.data };
      return { ok: false, problem: problemOf(r.error.issues, s, given, protocol) };
    },
    defaults(env) {
      const r = schema(env).safeParse({});
      if (!r.success) throw new Error(`the default options do not pass their own schema: ${r.error.message}`);
      return r.data;
    },
    get docs() {
      docs ??= optionDocs(schema(DOCS_ENV));
      return docs;
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: see defineOptions
function optionDocs(s: z.ZodObject<any>): OptionDoc[] {
  return Object.entries(s.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const d = field.safeParse(undefined);
    return { name, type: typeOf(field), default: d.success ? d.data : undefined, description: descriptionOf(field) };
  });
}

/** The options of a protocol that has none (a scenario that sets one is told so). */
export const noOptions: ProtocolOptionsSpec<Record<string, never>> = defineOptions(() => z.object({}));
