/**
 * A run that stopped on an internal error: a failed engine assertion (sim/core/assert.ts), or a protocol that broke
 * an engine contract or threw. That is a bug in Faultline or in the protocol, never in the scenario, so the CLI
 * exits 3 and prints the run's repro line with it.
 */
import { AssertionError } from "../core/assert.ts";
import { ScenarioError } from "../scenario/scenarioError.ts";

export class RunBugError extends Error {
  override name = "RunBugError";
  constructor(
    /** What was thrown inside the run. */
    readonly inner: Error,
    /** The one-line command that runs it again: `faultline run FILE --seed N`. */
    readonly repro: string,
  ) {
    super(inner.message);
  }

  /** Did an engine assertion fail (rather than the protocol throwing)? */
  get isAssertion(): boolean {
    return this.inner instanceof AssertionError;
  }
}

/** `e`, thrown by a run, as a RunBugError with its repro; a scenario problem (bad input) is returned unchanged. */
export function asRunBug(e: unknown, repro: string): unknown {
  if (e instanceof ScenarioError || e instanceof RunBugError) return e;
  return new RunBugError(e instanceof Error ? e : new Error(String(e)), repro);
}
