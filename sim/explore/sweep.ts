import type { ProtocolRegistry } from "../core/registry.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import { runScenario } from "../world/simulation.ts";
import { reproLine } from "./repro.ts";
import { asRunBug } from "./runBugError.ts";

export interface SweepFailure {
  scenario: string;
  file: string;
  seed: number;
  check: string;
  message: string;
  repro: string;
}

export interface SweepOptions {
  registry: ProtocolRegistry;
  seeds: number;
  from: number;
  bugs: string[];
  failFast: boolean;
  onRun?: (done: number, total: number, failures: number) => void;
  /**
   * Awaited after each run: the caller's chance to let other work in (the CLI yields to its event loop, so Ctrl-C is
   * heard between runs). Then the sweep stops, as interrupted, once `stopped` says so.
   */
  pause?: () => Promise<void>;
  stopped?: () => boolean;
}

export interface SweepResult {
  runs: number;
  failures: SweepFailure[];
  events: number;
  /** Stopped by `stopped` before every run was done. */
  interrupted: boolean;
}

/** Run every scenario for seeds from..from+seeds-1, untraced; collect failures (violations or limits). */
export async function sweep(
  files: readonly { file: string; scenario: ResolvedScenario }[],
  o: SweepOptions,
): Promise<SweepResult> {
  const failures: SweepFailure[] = [];
  const total = files.length * o.seeds;
  let runs = 0;
  let events = 0;
  for (const { file, scenario } of files) {
    for (let seed = o.from; seed < o.from + o.seeds; seed++) {
      const repro = reproLine({ file, seed, bugs: o.bugs });
      let r: ReturnType<typeof runScenario>;
      try {
        r = runScenario(scenario, { registry: o.registry, seed, bugs: o.bugs, sink: "none" });
      } catch (e) {
        throw asRunBug(e, repro);
      }
      runs++;
      events += r.events;
      const first = r.violations[0];
      if (first !== undefined)
        failures.push({ scenario: scenario.name, file, seed, check: first.check, message: first.message, repro });
      else if (r.stop === "limit")
        failures.push({
          scenario: scenario.name,
          file,
          seed,
          check: "limit",
          message: r.limitMessage ?? "limit",
          repro,
        });
      o.onRun?.(runs, total, failures.length);
      if (o.failFast && failures.length > 0) return { runs, failures, events, interrupted: false };
      await o.pause?.();
      if (runs < total && o.stopped?.() === true) return { runs, failures, events, interrupted: true };
    }
  }
  return { runs, failures, events, interrupted: false };
}
