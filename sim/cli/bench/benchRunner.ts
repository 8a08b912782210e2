/**
 * The seam between the `bench` command (sim/cli) and the benchmarks (bench/): the command's flags, process isolation
 * and comparisons live here; the workloads and the runner that times them live in bench/, which the command loads by
 * path when it runs. So sim/ imports nothing from bench/ (bench/ is a consumer of the engine, like protocols/), and
 * bench/run.ts's `runner` is checked against this interface where it is declared.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ProtocolRegistry } from "../../core/registry.ts";
import { projectRoot } from "../projectRoot.ts";

export interface BenchResult {
  name: string;
  events: number;
  eventsPerSecond: number;
  traced: boolean;
  wallMs: number;
  simulatedSeconds: number;
  simulatedSecondsPerWallSecond: number;
  heapMB: number;
  traceEvents: number;
  /** Client operations invoked per simulated second (0 for workloads without clients). */
  clientOpsPerSimSecond: number;
  /** When the workload ran several times: every run's events/s, in run order (this result is the median run). */
  runs?: number[];
  /** The workload's note (BenchRun.note). */
  note?: string;
}

/** What bench/run.ts exports as `runner`. */
export interface BenchRunner {
  /** Every workload, in table order; opt-in ones run only when named with --only. */
  workloads: readonly { name: string; optIn?: boolean }[];
  /** Run the chosen workloads in this process (all but the opt-in ones, or those named in `only`). */
  runBenchmarks(
    registry: ProtocolRegistry,
    opts?: { only?: string[]; onResult?: (r: BenchResult) => void },
  ): { results: BenchResult[] };
}

/**
 * The checkout's bench/run.ts, loaded by path (the checkout root -> bench/) through tsx, both from the sources and
 * from the compiled CLI (whose bundle does not contain bench/).
 */
export async function loadBenchRunner(): Promise<BenchRunner> {
  const { tsImport } = await import("tsx/esm/api");
  const url = pathToFileURL(join(projectRoot(), "bench", "run.ts")).href;
  const mod = (await tsImport(url, import.meta.url)) as { runner: BenchRunner };
  return mod.runner;
}
