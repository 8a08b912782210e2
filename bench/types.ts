import type { ResolvedScenario } from "../sim/scenario/resolved.ts";

/** What a workload's run reports; the bench adds the wall time and the process's memory. */
export interface BenchRun {
  events: number;
  simulatedMicros: number;
  traceEvents: number;
  clientOps: number;
  /** What a workload has to say beyond the table (sweep-raft: its runs/s ratio, 2 workers to 1). */
  note?: string;
}

/** A scenario run by the engine, or a yardstick that runs without it (ping-5-bare). */
export type BenchWorkload = {
  name: string;
  traced: boolean;
  /** Only run when named with --only. */
  optIn?: boolean;
} & ({ make(): ResolvedScenario; runBare?: undefined } | { runBare(): BenchRun; make?: undefined });

export type { BenchResult } from "../sim/cli/bench/benchRunner.ts";
