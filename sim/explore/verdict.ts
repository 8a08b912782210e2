/**
 * A run's verdict over all its checks: "ok" when every check held, "violated" when one failed (or the run hit a
 * limit), "inconclusive" when none failed but one could not decide (linearizability's search budget reached,
 * liveness not checked or undecided). An inconclusive run is never reported as a pass.
 */
import { assertNever } from "../core/types.ts";
import type { RunResult } from "../world/result.ts";

export type Verdict = "ok" | "violated" | "inconclusive";

export interface RunVerdict {
  verdict: Verdict;
  /** The check that failed or could not decide ("" when ok). */
  check: string;
  message: string;
}

/** Exit codes: 0 every check held, 1 a check failed, 4 none failed but one was inconclusive. */
export const EXIT_OK = 0;
export const EXIT_VIOLATED = 1;
export const EXIT_INCONCLUSIVE = 4;

export function exitCodeOf(verdict: Verdict): number {
  switch (verdict) {
    case "ok":
      return EXIT_OK;
    case "violated":
      return EXIT_VIOLATED;
    case "inconclusive":
      return EXIT_INCONCLUSIVE;
    default:
      return assertNever(verdict, "verdict");
  }
}

/** The worst of several verdicts: violated over inconclusive over ok. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "ok";
  for (const v of verdicts) {
    if (v === "violated") return v;
    if (v === "inconclusive") worst = v;
  }
  return worst;
}

type RunChecks = Pick<RunResult, "violations" | "stop" | "limitMessage" | "linearizability" | "liveness" | "windows">;

export function runVerdict(r: RunChecks): RunVerdict {
  const first = r.violations[0];
  if (first !== undefined) return { verdict: "violated", check: first.check, message: first.message };
  if (r.stop === "limit") return { verdict: "violated", check: "limit", message: r.limitMessage ?? "limit" };
  if (r.linearizability !== null && r.linearizability.verdict === "unknown")
    return { verdict: "inconclusive", check: "linearizability", message: r.linearizability.message };
  if (r.liveness !== null && (r.liveness.verdict === "unchecked" || r.liveness.verdict === "undecided"))
    return { verdict: "inconclusive", check: `liveness (${r.liveness.verdict})`, message: r.liveness.message };
  const window = r.windows?.find((w) => w.verdict === "unchecked");
  if (window !== undefined)
    return { verdict: "inconclusive", check: `${window.kind} window (unchecked)`, message: window.message };
  return { verdict: "ok", check: "", message: "" };
}

/** Each check's verdict in the three words (null: not checked by this scenario). */
export function checkVerdicts(r: RunChecks): {
  safety: Verdict;
  linearizability: Verdict | null;
  liveness: Verdict | null;
  /** The window checks together (liveness.during, nothingCommits); absent when the scenario has none. */
  windows?: Verdict;
} {
  const safety = r.violations.some((v) => !v.check.startsWith("liveness") && v.check !== "linearizability");
  const lin = r.linearizability;
  const live = r.liveness;
  return {
    safety: safety || r.stop === "limit" ? "violated" : "ok",
    linearizability:
      lin === null ? null : lin.verdict === "ok" ? "ok" : lin.verdict === "violation" ? "violated" : "inconclusive",
    liveness:
      live === null ? null : live.verdict === "ok" ? "ok" : live.verdict === "violated" ? "violated" : "inconclusive",
    ...(r.windows !== undefined
      ? {
          windows: worstVerdict(
            r.windows.map((w) => (w.verdict === "ok" ? "ok" : w.verdict === "violated" ? "violated" : "inconclusive")),
          ),
        }
      : {}),
  };
}
