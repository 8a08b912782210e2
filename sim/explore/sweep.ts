/**
 * A sweep: every scenario file over a range of seeds (or one shard of it), in this thread or on worker threads. The
 * report lists failures and inconclusive runs in the sweep's order (file by file, seed by seed), whatever the number
 * of workers, so a parallel sweep reports exactly what a sequential one does.
 */
import { assert } from "../core/assert.ts";
import type { ProtocolRegistry } from "../core/registry.ts";
import { runOnWorkers } from "./pool.ts";
import { reproLine } from "./repro.ts";
import { runTask, type SweepSpec, type SweepTask, type TaskResult } from "./task.ts";

/** A run that failed a check, or could not decide one: what the report lists. */
export interface SweepFinding {
  scenario: string;
  file: string;
  seed: number;
  check: string;
  message: string;
  repro: string;
}

export type SweepFailure = SweepFinding;

export interface SweepOptions {
  registry: ProtocolRegistry;
  /** A module whose `registry` export is `registry`; needed for workers > 1. */
  registryModule?: string;
  /** Threads to run on; 1 runs in this thread. */
  workers: number;
  /** Seeds from..to, both included. */
  from: number;
  to: number;
  failFast: boolean;
  /** Flags every repro line carries besides the seed and --bug (--swarm, --max-states N). */
  reproFlags?: readonly string[];
  onRun?: (done: number, total: number, failures: number, inconclusive: number) => void;
  /**
   * Awaited after each run in this thread: the caller's chance to let other work in (the CLI yields to its event
   * loop, so Ctrl-C is heard between runs). Then the sweep stops, as interrupted, once `stopped` says so.
   */
  pause?: () => Promise<void>;
  stopped?: () => boolean;
}

export interface SweepResult {
  runs: number;
  failures: SweepFinding[];
  inconclusive: SweepFinding[];
  /** Runs whose determinism was checked (--check-determinism). */
  determinismChecked: number;
  events: number;
  /** Stopped by `stopped` before every run was done. */
  interrupted: boolean;
}

/** The tasks of a sweep, in its order: file by file, and seed by seed within a file. */
export function sweepTasks(files: number, from: number, to: number): SweepTask[] {
  const tasks: SweepTask[] = [];
  for (let fileIndex = 0; fileIndex < files; fileIndex++)
    for (let seed = from; seed <= to; seed++) tasks.push({ fileIndex, seed });
  return tasks;
}

/**
 * Shard `index` of `count` of the seeds from..to: contiguous slices whose sizes differ by at most one, together
 * covering the range exactly once. Null when the shard is empty (more shards than seeds).
 */
export function shardRange(
  from: number,
  to: number,
  index: number,
  count: number,
): { from: number; to: number } | null {
  assert(count >= 1 && index >= 0 && index < count, `shard ${index}/${count} out of range`);
  const seeds = to - from + 1;
  const lo = from + Math.floor((index * seeds) / count);
  const hi = from + Math.floor(((index + 1) * seeds) / count) - 1;
  return hi < lo ? null : { from: lo, to: hi };
}

export async function sweep(spec: SweepSpec, o: SweepOptions): Promise<SweepResult> {
  const tasks = sweepTasks(spec.files.length, o.from, o.to);
  const results: (TaskResult | undefined)[] = new Array(tasks.length);
  let cutoff = Number.POSITIVE_INFINITY;
  let done = 0;
  let failures = 0;
  let inconclusive = 0;
  const record = (index: number, r: TaskResult) => {
    results[index] = r;
    done++;
    if (r.verdict === "violated") {
      failures++;
      if (o.failFast) cutoff = Math.min(cutoff, index);
    } else if (r.verdict === "inconclusive") inconclusive++;
    o.onRun?.(done, tasks.length, failures, inconclusive);
  };
  if (o.workers <= 1 || o.registryModule === undefined || tasks.length <= 1) {
    for (const [index, task] of tasks.entries()) {
      record(index, runTask(spec, o.registry, task));
      if (index >= cutoff) break;
      await o.pause?.();
      if (o.stopped?.() === true) break;
    }
  } else {
    await runOnWorkers(spec, tasks, {
      workers: o.workers,
      registryModule: o.registryModule,
      onResult: record,
      cutoff: () => cutoff,
      stopped: () => o.stopped?.() === true,
    });
  }
  return collect(spec, tasks, results, cutoff, o);
}

/**
 * The report from the results in the sweep's order. With fail-fast, the runs past the first failure are left out
 * (a worker may have finished some), so the counts are the sequential sweep's. Interrupted: some run before the
 * last counted one is missing, or the sweep stopped short of the end.
 */
function collect(
  spec: SweepSpec,
  tasks: readonly SweepTask[],
  results: readonly (TaskResult | undefined)[],
  cutoff: number,
  o: SweepOptions,
): SweepResult {
  const out: SweepResult = {
    runs: 0,
    failures: [],
    inconclusive: [],
    determinismChecked: 0,
    events: 0,
    interrupted: false,
  };
  const last = Math.min(cutoff, tasks.length - 1);
  for (let i = 0; i <= last; i++) {
    const r = results[i];
    if (r === undefined) {
      out.interrupted = true;
      continue;
    }
    out.runs++;
    out.events += r.events;
    if (r.determinismChecked) out.determinismChecked++;
    if (r.verdict === "ok") continue;
    const { file, scenario } = spec.files[r.fileIndex] as SweepSpec["files"][number];
    const flags = [...(o.reproFlags ?? []), ...(r.check === "determinism" ? ["--check-determinism"] : [])];
    const finding: SweepFinding = {
      scenario: scenario.name,
      file,
      seed: r.seed,
      check: r.check,
      message: r.message,
      repro: reproLine({ file, seed: r.seed, bugs: spec.bugs, flags }),
    };
    (r.verdict === "violated" ? out.failures : out.inconclusive).push(finding);
  }
  return out;
}
