/** Flags that change what a run checks or draws, shared by `run` and `sweep`: --max-states and --swarm. */
import type { ResolvedScenario } from "../scenario/resolved.ts";
import { UsageError } from "./command.ts";

/** --max-states N: a positive integer, or undefined when not given. */
export function parseMaxStates(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--max-states: expected a positive integer (search states), got ${JSON.stringify(text)}`);
  return n;
}

/** The scenario with the linearizability budget of --max-states (it then travels in the trace header). */
export function withMaxStates(scenario: ResolvedScenario, maxStates: number | undefined): ResolvedScenario {
  if (maxStates === undefined) return scenario;
  return { ...scenario, checks: { ...scenario.checks, linearizabilityMaxStates: maxStates } };
}

/** The flags a repro line needs for these choices, in a fixed order. */
export function checkReproFlags(o: { swarm: boolean; maxStates: number | undefined }): string[] {
  return [...(o.swarm ? ["--swarm"] : []), ...(o.maxStates !== undefined ? ["--max-states", String(o.maxStates)] : [])];
}
