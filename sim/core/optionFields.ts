import { z } from "zod";
import type { NodeId } from "./types.ts";

/** What a protocol's options are checked against: the topology, for options that name nodes. */
export interface OptionsEnv {
  readonly nodes: readonly NodeId[];
}

/**
 * What an option field means when its zod type alone does not say it: a number of microseconds, a node id of the
 * topology, a list of them. The option wording (optionWording.ts) reads it to word messages and the docs' types.
 */
export type FieldKind = { kind: "micros" } | { kind: "node" } | { kind: "nodes" };

/** The field kinds of the helpers below; a schema derived from one (`.max()`, `.describe()`) keeps its kind. */
export const fieldKinds = z.registry<FieldKind>();

/** A whole number of microseconds in [min, max]. */
export function micros(min = 0, max: number = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  return z.number().int().min(min).max(max).register(fieldKinds, { kind: "micros" });
}

/** One node id of the topology. */
export function nodeId(env: OptionsEnv): z.ZodType<NodeId> {
  return z.enum(env.nodes).register(fieldKinds, { kind: "node" });
}

/** A non-empty list of node ids of the topology. */
export function nodeIds(env: OptionsEnv): z.ZodType<NodeId[]> {
  return z.array(nodeId(env)).min(1).register(fieldKinds, { kind: "nodes" });
}
