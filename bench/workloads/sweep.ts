import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchRun, BenchWorkload } from "../types.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/faultline.mjs");
/** Seeds per scenario file and pairs of sweeps: 20 seeds of every raft-*.yaml is ~440 runs, ~15 s on one core here. */
const SEEDS = 20;
const PAIRS = 3;

interface SweepSide {
  runs: number;
  events: number;
  wallMs: number;
}

function sweepOnce(workers: number): SweepSide {
  const files = readdirSync(join(ROOT, "scenarios"))
    .filter((f) => /^raft-.*\.yaml$/.test(f))
    .sort()
    .map((f) => join(ROOT, "scenarios", f));
  const args = [BIN, "sweep", ...files, "--seeds", String(SEEDS), "--workers", String(workers), "--json"];
  const r = spawnSync(process.execPath, [...args, "--no-traces"], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`sweep-raft: the sweep with ${workers} worker(s) failed: ${r.stderr.trim()}`);
  const report = JSON.parse(r.stdout) as SweepSide;
  return { runs: report.runs, events: report.events, wallMs: report.wallMs };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The sweep of every raft-*.yaml over 20 seeds with one worker and with two, in pairs back to back (which goes first
 * alternates), so both sides of a pair saw about the same host; the machine is shared. Each sweep is a fresh
 * process; its time is the report's wallMs (from the first run to the last, worker start-up included; loading the
 * CLI and the scenario files is not). Reports the ratio of runs/s, two workers to one, per pair and the median.
 * The events/s of the table counts every sweep of both sides over the whole time.
 */
export const sweepRaft: BenchWorkload = {
  name: "sweep-raft",
  traced: false,
  optIn: true,
  runBare(): BenchRun {
    const ratios: number[] = [];
    const rates: { one: number; two: number }[] = [];
    let events = 0;
    for (let i = 0; i < PAIRS; i++) {
      const order = i % 2 === 0 ? [1, 2] : [2, 1];
      const sides = new Map<number, SweepSide>();
      for (const w of order) sides.set(w, sweepOnce(w));
      const one = sides.get(1) as SweepSide;
      const two = sides.get(2) as SweepSide;
      if (one.runs !== two.runs || one.events !== two.events)
        throw new Error(
          `sweep-raft: 1 and 2 workers ran ${one.runs}/${two.runs} runs, ${one.events}/${two.events} events`,
        );
      events += one.events + two.events;
      const rate = (s: SweepSide) => s.runs / (s.wallMs / 1000);
      rates.push({ one: rate(one), two: rate(two) });
      ratios.push(rate(two) / rate(one));
    }
    const note =
      `sweep-raft: ${rates.map((r) => `${r.one.toFixed(1)} -> ${r.two.toFixed(1)}`).join(", ")} runs/s (1 -> 2 ` +
      `workers, per pair); ratios ${ratios.map((r) => r.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(2)}x`;
    return { events, simulatedMicros: 0, traceEvents: 0, clientOps: 0, note };
  },
};
