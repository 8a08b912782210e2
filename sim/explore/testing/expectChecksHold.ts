/**
 * `expectChecksHold(result)`: throw unless every check of a run held. The error names each failed check and ends with
 * the Faultline repro line: the scenario is written to a file in the OS's temp folder, and
 * `faultline run FILE --seed N` re-runs it with its trace. Under fast-check the error is part of its report, which
 * also prints fast-check's own seed and path (`fc.assert`, `test.prop`).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reproLine } from "../../explore/repro.ts";
import type { RunResult } from "../../world/result.ts";
import { scenarioSourceOf } from "./simulate.ts";

export interface ExpectOptions {
  /**
   * What an inconclusive check counts as (a linearizability search that hit its budget, a liveness check that could
   * not be decided): "fail" (default; a check that could not decide is not a pass) or "pass".
   */
  inconclusive?: "fail" | "pass";
  /** Where repro files go (default: <os temp>/faultline-properties). */
  reproDir?: string;
}

/** What failed in a run (empty: every check held). */
export function failedChecks(result: RunResult, o: ExpectOptions = {}): string[] {
  const problems = result.violations.map(
    (v) => `${v.check} at ${v.atMicros}us${v.node ? ` on ${v.node}` : ""}: ${v.message}`,
  );
  if (result.stop === "limit") problems.push(`limit: ${result.limitMessage}`);
  if (o.inconclusive !== "pass") {
    if (result.linearizability?.verdict === "unknown")
      problems.push(`linearizability inconclusive: ${result.linearizability.message}`);
    const live = result.liveness;
    if (live !== null && (live.verdict === "unchecked" || live.verdict === "undecided"))
      problems.push(`liveness ${live.verdict}: ${live.message}`);
  }
  return problems;
}

/** Write the scenario a result was run from to a file (named by its content) and return its repro line. */
export function writeRepro(result: RunResult, dir: string = join(tmpdir(), "faultline-properties")): string | null {
  const source = scenarioSourceOf(result);
  if (source === undefined) return null;
  const text = `${JSON.stringify(source.data, null, 2)}\n`;
  const digest = createHash("sha256").update(text).digest("hex").slice(0, 12);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${source.data.name}-${digest}.json`);
  writeFileSync(file, text);
  return reproLine({ file, seed: source.seed ?? source.data.seed, bugs: source.bugs });
}

/** Throw an Error naming every failed check and the repro line, unless every check held. */
export function expectChecksHold(result: RunResult, o: ExpectOptions = {}): void {
  const problems = failedChecks(result, o);
  if (problems.length === 0) return;
  const repro = writeRepro(result, o.reproDir);
  const lines = [
    `${problems.length} check(s) failed in ${result.scenario.name} (seed ${result.seed}):`,
    ...problems.map((p) => `  ${p}`),
    repro === null ? "  (simulate was given a resolved scenario: no file to re-run)" : `repro: ${repro}`,
  ];
  throw new Error(lines.join("\n"));
}
