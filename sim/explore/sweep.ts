/**
 * A sweep: every scenario file over a range of seeds (or one shard of it), in this thread or on worker threads. The
 * report lists failures and inconclusive runs in the sweep's order (file by file, seed by seed), whatever the number
 * of workers, so a parallel sweep reports exactly what a sequential one does.
 */
import { assert } from "../core/assert.ts";
import type { ProtocolRegistry } from "../core/registry.ts";
import { runOnWorkers, WorkerTaskError } from "./pool.ts";
import { reproLine } from "./repro.ts";
import { asRunBug } from "./runBugError.ts";
import { runTask, type SweepSpec, type SweepTask, type TaskResult } from "./task.ts";
import { addRunValues, type MetricAggregates } from "./metricAggregate.ts";

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
  /** Metrics over the seeds, per scenario file. */
  metrics: MetricAggregates;
}

/**
 * Task `index` of a sweep of `files` files over seeds from..to, in the sweep's order: file by file, and seed by seed
 * within a file. Tasks are made when handed out, never listed: a sweep of 10^8 seeds holds none of them.
 */
export function taskAt(index: number, from: number, to: number): SweepTask {
  const perFile = to - from + 1;
  return { fileIndex: Math.floor(index / perFile), seed: from + (index % perFile) };
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
  const total = spec.files.length * (o.to - o.from + 1);
  const report = new Report(spec, o);
  let done = 0;
  let failures = 0;
  let inconclusive = 0;
  const record = (index: number, r: TaskResult) => {
    done++;
    if (r.verdict === "violated") failures++;
    else if (r.verdict === "inconclusive") inconclusive++;
    report.add(index, r);
    o.onRun?.(done, total, failures, inconclusive);
  };
  // A run that throws is an internal error (exit 3) carrying its repro line.
  const reproOf = (index: number) => taskRepro(spec, o, taskAt(index, o.from, o.to));
  if (o.workers <= 1 || o.registryModule === undefined || total <= 1) {
    for (let index = 0; index < total && index <= report.cutoff; index++) {
      let r: TaskResult;
      try {
        r = runTask(spec, o.registry, taskAt(index, o.from, o.to));
      } catch (e) {
        throw asRunBug(e, reproOf(index));
      }
      record(index, r);
      await o.pause?.();
      if (o.stopped?.() === true) break;
    }
  } else {
    try {
      await runOnWorkers(spec, total, (i) => taskAt(i, o.from, o.to), {
        workers: o.workers,
        registryModule: o.registryModule,
        onResult: record,
        cutoff: () => report.cutoff,
        stopped: () => o.stopped?.() === true,
      });
    } catch (e) {
      throw e instanceof WorkerTaskError ? asRunBug(e, reproOf(e.index)) : e;
    }
  }
  return report.finish(total);
}

/**
 * The report, built from the results in the sweep's order as they become contiguous: a result that comes back
 * before an earlier one waits here (a few, about the tasks in flight), everything else is counted and let go. With
 * fail-fast, nothing past the first failure in the sweep's order is counted, even when a worker had finished it, so
 * the counts are the sequential sweep's.
 */
class Report {
  /** The index of the first failure (fail-fast), past which nothing counts. */
  cutoff = Number.POSITIVE_INFINITY;
  private readonly waiting = new Map<number, TaskResult>();
  private next = 0;
  private readonly out: SweepResult = {
    runs: 0,
    failures: [],
    inconclusive: [],
    determinismChecked: 0,
    events: 0,
    interrupted: false,
    metrics: {},
  };

  constructor(
    private readonly spec: SweepSpec,
    private readonly o: SweepOptions,
  ) {}

  add(index: number, r: TaskResult): void {
    assert(index >= this.next && !this.waiting.has(index), `sweep task ${index} reported twice`);
    if (r.verdict === "violated" && this.o.failFast) this.cutoff = Math.min(this.cutoff, index);
    this.waiting.set(index, r);
    for (
      let w = this.waiting.get(this.next);
      w !== undefined && this.next <= this.cutoff;
      w = this.waiting.get(this.next)
    ) {
      this.waiting.delete(this.next);
      this.count(w);
      this.next++;
    }
  }

  /** Interrupted: a run before the last one counted is missing, or the sweep stopped short of its end. */
  finish(total: number): SweepResult {
    const last = Math.min(this.cutoff, total - 1);
    if (this.next <= last) {
      this.out.interrupted = true;
      for (const i of [...this.waiting.keys()].filter((k) => k <= last).sort((a, b) => a - b))
        this.count(this.waiting.get(i) as TaskResult);
    }
    return this.out;
  }

  private count(r: TaskResult): void {
    const out = this.out;
    out.runs++;
    out.events += r.events;
    if (r.determinismChecked) out.determinismChecked++;
    const { file, scenario } = this.spec.files[r.fileIndex] as SweepSpec["files"][number];
    addRunValues(out.metrics, file, r.metrics);
    if (r.verdict === "ok") return;
    const finding: SweepFinding = {
      scenario: scenario.name,
      file,
      seed: r.seed,
      check: r.check,
      message: r.message,
      repro: taskRepro(this.spec, this.o, r, r.check === "determinism" ? ["--check-determinism"] : []),
    };
    (r.verdict === "violated" ? out.failures : out.inconclusive).push(finding);
  }
}

/** The repro line of one task of the sweep: its file and seed, the sweep's bugs and flags, and `extra` flags. */
function taskRepro(
  spec: SweepSpec,
  o: Pick<SweepOptions, "reproFlags">,
  task: { fileIndex: number; seed: number },
  extra: readonly string[] = [],
): string {
  const file = (spec.files[task.fileIndex] as SweepSpec["files"][number]).file;
  return reproLine({ file, seed: task.seed, bugs: spec.bugs, flags: [...(o.reproFlags ?? []), ...extra] });
}
