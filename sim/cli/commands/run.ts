import type { Argv } from "yargs";
import { parseDuration, UnitError } from "../../core/units.ts";
import { runScenario } from "../../world/simulation.ts";
import type { RunResult } from "../../world/result.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { formatSummary, latencyStats } from "../output.ts";
import { bugList, loadScenarioFile, parseSeedFlag, reproLine } from "../scenarioFile.ts";
import { writeTraceFile } from "../traceFile.ts";

export function defaultTracePath(name: string, seed: number | string): string {
  return `traces/${name.replace(/[^A-Za-z0-9_.-]+/g, "_")}-seed${seed}.ndjson.gz`;
}

export function parseDurationFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  try {
    const d = parseDuration(String(value));
    if (d <= 0) throw new UnitError("expected a duration > 0");
    return d;
  } catch (e) {
    throw new UsageError(`--duration: ${(e as Error).message}`);
  }
}

export const runCommand: CliCommand = {
  command: "run <file>",
  describe: "Run a scenario: summary, safety/linearizability/liveness verdicts, a trace",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "scenario file (YAML or JSON)" })
      .option("seed", { type: "string", describe: "root seed (integer); overrides the scenario's" })
      .option("duration", { type: "string", describe: 'simulated duration, like "30s"; overrides the scenario\'s' })
      .option("trace", { type: "string", describe: "trace output path (.ndjson or .ndjson.gz); default traces/<name>-seed<N>.ndjson.gz" })
      .option("trace-file", { type: "boolean", default: true, describe: "write a trace file (--no-trace-file to skip)" })
      .option("json", { type: "boolean", describe: "print one JSON object instead of the summary" })
      .option("check-determinism", { type: "boolean", describe: "run twice and compare trace hashes" })
      .option("bug", { type: "string", array: true, describe: "switch on a protocol's bug variant (repeatable)" }),
  async run(argv, ctx: CliContext) {
    const file = String(argv.file);
    const seedFlag = parseSeedFlag(argv.seed);
    const durationMicros = parseDurationFlag(argv.duration);
    const bugs = bugList(argv.bug);
    const scenario = loadScenarioFile(file, ctx.registry);
    const protocol = ctx.registry.get(scenario.protocol.name);
    for (const b of bugs) {
      if (protocol && !(b in protocol.bugs)) throw new UsageError(`--bug: protocol ${protocol.name} has no bug variant "${b}" (it has: ${Object.keys(protocol.bugs).join(", ") || "none"})`);
    }
    const seed = seedFlag ?? scenario.seed;
    const t0 = performance.now();
    const result = runScenario(scenario, { registry: ctx.registry, seed, durationMicros, bugs, sink: "record" });
    const wallMs = performance.now() - t0;
    const hash = result.trace?.hash() ?? null;
    let deterministic: boolean | null = null;
    if (argv["check-determinism"]) {
      const again = runScenario(scenario, { registry: ctx.registry, seed, durationMicros, bugs, sink: "record" });
      deterministic = again.trace?.hash() === hash;
    }
    const writeTrace = argv["trace-file"] !== false;
    const tracePath = writeTrace ? (argv.trace !== undefined ? String(argv.trace) : defaultTracePath(scenario.name, seed)) : null;
    if (tracePath !== null && result.trace !== null) writeTraceFile(tracePath, result.trace);
    const failed = result.violations.length > 0 || result.stop === "limit" || deterministic === false;
    const repro = reproLine(file, seed, result.bugs, scenario.bugs);
    if (argv.json) ctx.stdout(JSON.stringify(jsonResult(file, result, wallMs, tracePath, hash, deterministic, failed ? repro : null)));
    else ctx.stdout(humanResult(file, result, wallMs, tracePath, deterministic, failed ? repro : null));
    return failed ? 1 : 0;
  },
};

function humanResult(file: string, r: RunResult, wallMs: number, tracePath: string | null, deterministic: boolean | null, repro: string | null): string {
  const lines = [formatSummary(file, r, wallMs)];
  if (deterministic !== null) lines.push(`determinism ${deterministic ? "OK (two runs, identical trace hashes)" : "FAILED: two runs of the same seed gave different traces"}`);
  if (tracePath !== null) lines.push(`trace      ${tracePath} (${r.trace?.count ?? 0} events)`);
  if (repro !== null) lines.push("", `FAILED. repro: ${repro}`);
  if (tracePath !== null) lines.push("", `view it:   npx faultline view ${tracePath}`);
  return lines.join("\n");
}

function jsonResult(file: string, r: RunResult, wallMs: number, tracePath: string | null, hash: string | null, deterministic: boolean | null, repro: string | null) {
  return {
    scenario: r.scenario.name,
    file,
    protocol: r.scenario.protocol.name,
    seed: r.seed,
    bugs: r.bugs,
    stop: r.stop,
    events: r.events,
    messages: r.messages,
    clientOps: r.clientOps,
    latencyMicros: latencyStats(r.history),
    violations: r.violations,
    linearizability: r.linearizability,
    simulatedMicros: r.simulatedMicros,
    wallMs: Math.round(wallMs * 10) / 10,
    trace: tracePath,
    traceHash: hash,
    deterministic,
    metrics: r.metrics,
    repro,
  };
}
