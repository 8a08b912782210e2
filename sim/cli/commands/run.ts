import type { Argv } from "yargs";
import { parseDuration, UnitError } from "../../core/units.ts";
import { swarmScenario } from "../../explore/swarm.ts";
import { checkVerdicts, exitCodeOf, runVerdict, type Verdict } from "../../explore/verdict.ts";
import { runScenario } from "../../world/simulation.ts";
import { checkReproFlags, parseMaxStates, withMaxStates } from "../checkFlags.ts";
import type { RunResult } from "../../world/result.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { formatSummary, latencyStats } from "../output.ts";
import { bugList, loadScenarioFile, parseSeedFlag, reproLine, shellQuote } from "../scenarioFile.ts";
import { abandonOutput, openOutput, writeTraceFile } from "../traceFile.ts";
import { asRunBug } from "../../explore/runBugError.ts";

export function defaultTracePath(name: string, seed: number | string): string {
  return `traces/${name.replace(/[^A-Za-z0-9_.-]+/g, "_")}-seed${seed}.ndjson.gz`;
}

export function parseDurationFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  try {
    const d = parseDuration(String(value));
    // Durations are whole microseconds: "0.4us" rounds to 0, which says so rather than only "> 0".
    const rounded = d === 0 && Number.parseFloat(String(value)) !== 0; // "0.4us", not "0s"
    if (d <= 0)
      throw new UnitError(
        `expected a duration of at least 1us, got ` +
          `${JSON.stringify(String(value))}${rounded ? " (durations are whole microseconds: it rounds to 0)" : ""}`,
      );
    return d;
  } catch (e) {
    throw new UsageError(`--duration: ${(e as Error).message}`);
  }
}

export const runCommand: CliCommand = {
  command: "run <file>",
  describe:
    "Run a scenario: summary, safety/linearizability/liveness verdicts, a trace (exit 0 all held, 1 a check failed, " +
    "4 none failed but one was inconclusive)",
  builder: (y: Argv) =>
    y
      .positional("file", { type: "string", describe: "scenario file (YAML or JSON)" })
      .option("seed", { type: "string", describe: "root seed (integer); overrides the scenario's" })
      .option("duration", { type: "string", describe: 'simulated duration, like "30s"; overrides the scenario\'s' })
      .option("trace", {
        type: "string",
        describe: "trace output path (.ndjson or .ndjson.gz); default traces/<name>-seed<N>.ndjson.gz",
      })
      .option("trace-file", {
        type: "boolean",
        default: true,
        describe: "write a trace file (--no-trace-file to skip)",
      })
      .option("json", { type: "boolean", describe: "print one JSON object instead of the summary" })
      .option("check-determinism", { type: "boolean", describe: "run twice and compare trace hashes" })
      .option("max-states", { type: "string", describe: "linearizability search budget, in states" })
      .option("swarm", {
        type: "boolean",
        describe: "switch off the fault kinds, ops and network features this seed draws (as sweep --swarm does)",
      })
      .option("bug", { type: "string", array: true, describe: "switch on a protocol's bug variant (repeatable)" }),
  async run(argv, ctx: CliContext) {
    const file = String(argv.file);
    const seedFlag = parseSeedFlag(argv.seed);
    const durationMicros = parseDurationFlag(argv.duration);
    const bugs = bugList(argv.bug);
    const maxStates = parseMaxStates(argv["max-states"]);
    const swarm = argv.swarm === true;
    const loaded = withMaxStates(loadScenarioFile(file, ctx.registry), maxStates);
    const protocol = ctx.registry.get(loaded.protocol.name);
    for (const b of bugs) {
      if (protocol && !(b in protocol.bugs))
        throw new UsageError(
          `--bug: protocol ${protocol.name} has no bug variant "${b}" (it has: ` +
            `${Object.keys(protocol.bugs).join(", ") || "none"})`,
        );
    }
    const seed = seedFlag ?? loaded.seed;
    const scenario = swarm ? swarmScenario(loaded, seed).scenario : loaded;
    if (argv.trace !== undefined && argv["trace-file"] === false)
      throw new UsageError(`--trace ${String(argv.trace)} and --no-trace-file contradict each other: give one of them`);
    const checkDeterminism = argv["check-determinism"] === true;
    // A trace is written unless --no-trace-file, or the scenario turns tracing off and no --trace asks for one.
    const trace: TraceChoice =
      argv["trace-file"] === false
        ? { kind: "skipped" }
        : argv.trace !== undefined
          ? { kind: "write", path: String(argv.trace) }
          : scenario.trace.enabled
            ? { kind: "write", path: defaultTracePath(scenario.name, seed) }
            : { kind: "off" };
    // Open the output before the run: an unwritable path is bad input, reported now rather than after the whole run.
    const output = trace.kind === "write" ? openOutput(trace.path) : null;
    const sink = output !== null || checkDeterminism ? "record" : undefined;
    let result: RunResult;
    let wallMs: number;
    let deterministic: boolean | null = null;
    let resultHash: string | null = null;
    try {
      const t0 = performance.now();
      result = runScenario(scenario, { registry: ctx.registry, seed, durationMicros, bugs, sink });
      wallMs = performance.now() - t0;
      if (checkDeterminism) {
        const again = runScenario(scenario, { registry: ctx.registry, seed, durationMicros, bugs, sink: "record" });
        resultHash = result.trace?.hash() ?? null;
        deterministic = again.trace?.hash() === resultHash;
      }
    } catch (e) {
      if (output !== null) abandonOutput(output);
      const duration = argv.duration === undefined ? undefined : String(argv.duration).trim();
      throw asRunBug(
        e,
        reproLine({ file, seed, duration, bugs, flags: checkDeterminism ? ["--check-determinism"] : [] }),
      );
    }
    // The hash reads the whole trace back (seconds for millions of rows): only the JSON output shows it.
    const hash = argv.json ? (resultHash ?? result.trace?.hash() ?? null) : null;
    let writeProblem: string | null = null;
    if (output !== null) {
      try {
        if (result.trace !== null) await writeTraceFile(output, result.trace);
        else abandonOutput(output);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        writeProblem = e.message;
      }
    }
    const verdict = deterministic === false ? "violated" : runVerdict(result).verdict;
    const failed = verdict !== "ok";
    const repro = reproLine({
      file,
      seed,
      duration: argv.duration === undefined ? undefined : String(argv.duration).trim(),
      bugs,
      flags: [...checkReproFlags({ swarm, maxStates }), ...(deterministic === false ? ["--check-determinism"] : [])],
    });
    const tracePath = trace.kind === "write" && writeProblem === null ? trace.path : null;
    if (argv.json)
      ctx.stdout(
        JSON.stringify({
          ...jsonResult(file, result, wallMs, tracePath, hash, deterministic, failed ? repro : null),
          verdict,
          verdicts: checkVerdicts(result),
        }),
      );
    // A device or FIFO (--trace /dev/null, a pipe) took the trace, but there is no file to view afterwards.
    const viewable = output !== null && output.tmp !== null;
    if (!argv.json)
      ctx.stdout(
        humanResult(
          file,
          result,
          wallMs,
          trace,
          writeProblem,
          deterministic,
          failed ? { verdict, repro } : null,
          scenario.name,
          seed,
          viewable,
        ),
      );
    if (writeProblem !== null) {
      ctx.stderr(`faultline: ${writeProblem}`);
      // A failed check is the news (its repro is printed above); otherwise the unwritable trace is bad input.
      return verdict === "violated" ? 1 : 2;
    }
    return exitCodeOf(verdict);
  },
};

type TraceChoice = { kind: "write"; path: string } | { kind: "off" } | { kind: "skipped" };

function humanResult(
  file: string,
  r: RunResult,
  wallMs: number,
  trace: TraceChoice,
  writeProblem: string | null,
  deterministic: boolean | null,
  failure: { verdict: Verdict; repro: string } | null,
  name: string,
  seed: number | string,
  viewable: boolean,
): string {
  const lines = [formatSummary(file, r, wallMs)];
  if (deterministic !== null)
    lines.push(
      deterministic
        ? "determinism OK (two runs, identical trace hashes)"
        : "determinism FAILED: two runs of the same seed gave different traces",
    );
  if (trace.kind === "write" && writeProblem === null) {
    lines.push(`trace      ${trace.path} (${r.trace?.count ?? 0} events)`);
    if (viewable) lines.push("", `view it:   npx faultline view ${shellQuote(trace.path)}`);
  } else {
    if (trace.kind === "write") lines.push(`trace      NOT written: ${writeProblem}`);
    else if (trace.kind === "skipped") lines.push("trace      not written (--no-trace-file)");
    else
      lines.push(
        `trace      off (the scenario sets trace.enabled: false${failure === null ? "; --trace FILE writes one" : ""})`,
      );
    if (failure !== null)
      lines.push(
        `           to get this run's trace: ${failure.repro} --trace ${shellQuote(defaultTracePath(name, seed))}`,
      );
  }
  // The repro is the last line, so a script can take it with `tail -n 1`.
  if (failure !== null)
    lines.push("", `${failure.verdict === "inconclusive" ? "INCONCLUSIVE" : "FAILED"}. repro: ${failure.repro}`);
  return lines.join("\n");
}

function jsonResult(
  file: string,
  r: RunResult,
  wallMs: number,
  tracePath: string | null,
  hash: string | null,
  deterministic: boolean | null,
  repro: string | null,
) {
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
    clientMetrics: r.clientMetrics,
    protocolMetrics: r.protocolMetrics,
    violations: r.violations,
    linearizability: r.linearizability,
    liveness: r.liveness,
    simulatedMicros: r.simulatedMicros,
    wallMs: Math.round(wallMs * 10) / 10,
    trace: tracePath,
    traceHash: hash,
    deterministic,
    metrics: r.metrics,
    repro,
  };
}
