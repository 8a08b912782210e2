/**
 * One run of a sweep: a scenario file at one seed, with the sweep's bugs, swarm draw and determinism check. The same
 * function runs in the CLI's thread (one worker) and in each worker thread, so a parallel sweep computes exactly
 * what a sequential one does.
 */
import type { ProtocolRegistry } from "../core/registry.ts";
import { rngStream } from "../core/rng.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import type { TraceRecorder } from "../trace/recorder.ts";
import { runScenario } from "../world/simulation.ts";
import { swarmScenario } from "./swarm.ts";
import { runVerdict, type Verdict } from "./verdict.ts";
import { runMetricValues, type RunMetricValues } from "./metricAggregate.ts";

/** Everything a run of the sweep needs besides its file and seed; plain data, so it crosses to worker threads. */
export interface SweepSpec {
  files: readonly { file: string; scenario: ResolvedScenario }[];
  bugs: readonly string[];
  /** Each seed draws its own configuration (swarm.ts). */
  swarm: boolean;
  /** The share of seeds, in [0, 1], run twice to compare trace hashes (0: none). */
  checkDeterminism: number;
}

export interface SweepTask {
  fileIndex: number;
  seed: number;
}

export interface TaskResult {
  fileIndex: number;
  seed: number;
  events: number;
  verdict: Verdict;
  check: string;
  message: string;
  /** The run was repeated to check determinism. */
  determinismChecked: boolean;
  /** The run's metrics, for the sweep's aggregates over seeds. */
  metrics: RunMetricValues;
}

/** Whether seed `seed` is one of the fraction `p` whose determinism the sweep checks: its own stream decides. */
export function determinismChosen(seed: number, p: number): boolean {
  return p >= 1 || (p > 0 && rngStream(seed, "sweep:check-determinism").next() < p);
}

/** The scenario a task runs: the file's, or the seed's swarm draw of it. */
export function taskScenario(spec: SweepSpec, task: SweepTask): ResolvedScenario {
  const base = (spec.files[task.fileIndex] as SweepSpec["files"][number]).scenario;
  return spec.swarm ? swarmScenario(base, task.seed).scenario : base;
}

export function runTask(spec: SweepSpec, registry: ProtocolRegistry, task: SweepTask): TaskResult {
  const scenario = taskScenario(spec, task);
  const bugs = [...spec.bugs];
  const checked = determinismChosen(task.seed, spec.checkDeterminism);
  const sink = checked ? "record" : "none";
  const r = runScenario(scenario, { registry, seed: task.seed, bugs, sink });
  const v = runVerdict(r);
  const base = {
    fileIndex: task.fileIndex,
    seed: task.seed,
    events: r.events,
    determinismChecked: checked,
    metrics: runMetricValues(r),
  };
  if (checked && v.verdict !== "violated") {
    const again = runScenario(scenario, { registry, seed: task.seed, bugs, sink: "record" });
    const divergence = firstDivergence(r.trace as TraceRecorder, again.trace as TraceRecorder);
    if (divergence !== null) return { ...base, verdict: "violated", check: "determinism", message: divergence };
  }
  return { ...base, ...v };
}

/**
 * Where two traces of one seed first differ, or null when they are identical: "event N differs: A / B" (N counts
 * events from 0; the header is event -1, the footer the last).
 */
export function firstDivergence(a: TraceRecorder, b: TraceRecorder): string | null {
  if (a.hash() === b.hash()) return null;
  const other = b.lines();
  let i = -1;
  for (const line of a.lines()) {
    const next = other.next();
    if (next.done === true) return `the second run's trace ends after event ${i - 1}; the first goes on: ${cut(line)}`;
    if (next.value !== line)
      return (
        `two runs of the same seed differ at ${i < 0 ? "the trace header" : `event ${i}`}: ${cut(line)} / ` +
        `${cut(next.value)}`
      );
    i++;
  }
  const rest = other.next();
  return rest.done === true
    ? "two runs of the same seed gave different trace hashes with identical lines"
    : `the first run's trace ends after event ${i - 1}; the second goes on: ${cut(rest.value)}`;
}

function cut(line: string): string {
  return line.length > 160 ? `${line.slice(0, 160)}...` : line;
}
