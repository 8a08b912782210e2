import { ProtocolRegistry } from "../sim/core/registry.ts";
import { runScenario } from "../sim/world/simulation.ts";
import type { ResolvedScenario } from "../sim/scenario/resolved.ts";
import type { BenchRunner } from "../sim/cli/bench/benchRunner.ts";
import type { BenchResult, BenchRun, BenchWorkload } from "./types.ts";
import { timerStorm } from "./workloads/pending.ts";
import { raftNull, raftSkeleton } from "./workloads/raftFloor.ts";
import { WORKLOADS } from "./workloads/index.ts";

/** Run the benchmark workloads (all but the opt-in ones, or those named in `only`). */
export function runBenchmarks(
  registry: ProtocolRegistry,
  opts: { only?: string[]; onResult?: (r: BenchResult) => void } = {},
): { results: BenchResult[] } {
  const reg = new ProtocolRegistry();
  for (const p of registry.list()) reg.register(p);
  for (const p of [timerStorm, raftSkeleton, raftNull]) if (reg.get(p.name) === undefined) reg.register(p);
  const chosen = WORKLOADS.filter((w) => (opts.only && opts.only.length > 0 ? opts.only.includes(w.name) : !w.optIn));
  const results: BenchResult[] = [];
  for (const w of chosen) {
    // The scenario is built before the clock starts; only the run is timed.
    const go = w.runBare !== undefined ? w.runBare : engineRun(w.make(), w, reg);
    globalThis.gc?.();
    const t0 = performance.now();
    const r = go();
    const wallMs = performance.now() - t0;
    const result: BenchResult = {
      name: w.name,
      events: r.events,
      eventsPerSecond: Math.round(r.events / (wallMs / 1000)),
      traced: w.traced,
      wallMs: Math.round(wallMs),
      simulatedSeconds: r.simulatedMicros / 1e6,
      simulatedSecondsPerWallSecond: Math.round((r.simulatedMicros / 1e6 / (wallMs / 1000)) * 10) / 10,
      heapMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      traceEvents: r.traceEvents,
      clientOpsPerSimSecond: r.simulatedMicros > 0 ? Math.round(r.clientOps / (r.simulatedMicros / 1e6)) : 0,
      ...(r.note !== undefined ? { note: r.note } : {}),
    };
    results.push(result);
    opts.onResult?.(result);
  }
  return { results };
}

/** A scenario's run through the engine, ready to start. */
function engineRun(scenario: ResolvedScenario, w: BenchWorkload, reg: ProtocolRegistry): () => BenchRun {
  return () => {
    const run = runScenario(scenario, { registry: reg, sink: w.traced ? "record" : "none" });
    if (run.stop === "limit") throw new Error(`benchmark ${w.name} hit a limit: ${run.limitMessage}`);
    return {
      events: run.events,
      simulatedMicros: run.simulatedMicros,
      traceEvents: run.trace?.count ?? 0,
      clientOps: run.clientOps.invoked,
    };
  };
}

/** What the `bench` command (sim/cli/commands/bench.ts) loads from this checkout. */
export const runner: BenchRunner = { workloads: WORKLOADS, runBenchmarks };
