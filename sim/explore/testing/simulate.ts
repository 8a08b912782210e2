/**
 * `simulate(scenario)`: run a scenario drawn by an arbitrary (or loaded from a file) and keep what a failure report
 * needs (the scenario as file data, for the repro).
 */
import type { ProtocolRegistry } from "../../core/registry.ts";
import { resolveScenario } from "../../scenario/resolve.ts";
import type { ResolvedScenario } from "../../scenario/resolved.ts";
import { ScenarioError } from "../../scenario/load.ts";
import { ScenarioSchema } from "../../scenario/schema.ts";
import type { RunResult } from "../../world/result.ts";
import { runScenario } from "../../world/simulation.ts";
import type { ScenarioFile } from "./arbitraries/scenario.ts";

export interface SimulateOptions {
  /** Where the protocol is registered (Faultline's own: protocols/index.ts's `registry`). */
  registry: ProtocolRegistry;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Extra bug variants. */
  bugs?: string[];
}

/** What a result was run from: the scenario as file data, and the --seed and --bug flags a repro needs. */
export interface ScenarioSource {
  data: ScenarioFile;
  seed: number | undefined;
  bugs: string[];
}

const sources = new WeakMap<RunResult, ScenarioSource>();

/** What a result was run from, if `simulate` was given file data (not a resolved scenario). */
export function scenarioSourceOf(result: RunResult): ScenarioSource | undefined {
  return sources.get(result);
}

/** Scenario file data -> the resolved scenario the engine runs; a bad one throws the loader's one-line error. */
export function resolveScenarioData(data: unknown, registry: ProtocolRegistry): ResolvedScenario {
  const parsed = ScenarioSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map(String).join(".");
    throw new ScenarioError("<scenario data>", path, issue?.message ?? "invalid scenario");
  }
  return resolveScenario(parsed.data, "<scenario data>", registry);
}

function isResolved(s: ScenarioFile | ResolvedScenario): s is ResolvedScenario {
  return "durationMicros" in s;
}

/**
 * Run a scenario: file data (what `scenarioArb` draws, or a parsed YAML file) or a resolved scenario. Untraced:
 * `expectChecksHold` writes the scenario to a file on failure, and the CLI re-runs it with its trace.
 */
export function simulate(scenario: ScenarioFile | ResolvedScenario, o: SimulateOptions): RunResult {
  const registry = o.registry;
  const resolved = isResolved(scenario) ? scenario : resolveScenarioData(scenario, registry);
  const result = runScenario(resolved, { registry, seed: o.seed, bugs: o.bugs, sink: "none" });
  if (!isResolved(scenario)) sources.set(result, { data: scenario, seed: o.seed, bugs: o.bugs ?? [] });
  return result;
}
