import type { ResolvedScenario } from "../sim/scenario/resolved.ts";

export interface BenchWorkload {
  name: string;
  traced: boolean;
  /** Only run when named with --only. */
  optIn?: boolean;
  make(): ResolvedScenario;
  /** A yardstick that runs without the engine (ping-5-bare): used instead of running `make()`'s scenario. */
  runBare?: () => { events: number; simulatedMicros: number; traceEvents: number };
}

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
}
