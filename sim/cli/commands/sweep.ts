import { constants as osConstants } from "node:os";
import type { Argv } from "yargs";
import cliProgress from "cli-progress";
import { sweep, type SweepFailure, type SweepResult } from "../../explore/sweep.ts";
import type { ResolvedScenario } from "../../scenario/resolved.ts";
import { runScenario } from "../../world/simulation.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { bugList, loadScenarioFile, parseSeedFlag, shellQuote } from "../scenarioFile.ts";
import { writeTraceFile } from "../traceFile.ts";
import { defaultTracePath } from "./run.ts";

/** Failures whose trace a sweep writes (re-running each traced); past these, the repro gives the trace. */
const MAX_TRACED_FAILURES = 10;

export const sweepCommand: CliCommand = {
  command: "sweep <files..>",
  describe: "Run scenarios over many seeds and report every failure with its repro",
  builder: (y: Argv) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        describe: "scenario files (YAML or JSON), each run on every seed",
      })
      .option("seeds", { type: "string", describe: "number of seeds per scenario", demandOption: true })
      .option("from", { type: "string", describe: "first seed (default 1)" })
      .option("fail-fast", { type: "boolean", describe: "stop at the first failure" })
      .option("json", { type: "boolean", describe: 'print {"runs", "failures": [...]}' })
      .option("traces", {
        type: "boolean",
        default: true,
        describe: `write the trace of each of the first ${MAX_TRACED_FAILURES} failures (--no-traces to skip)`,
      })
      .option("bug", { type: "string", array: true, describe: "switch on a bug variant (repeatable)" }),
  async run(argv, ctx) {
    const seeds = parseSeedFlag(argv.seeds, "--seeds");
    if (seeds === undefined || seeds < 1)
      throw new UsageError(`--seeds: expected a positive integer, got ${JSON.stringify(argv.seeds)}`);
    const from = parseSeedFlag(argv.from, "--from") ?? 1;
    // Seeds must stay exact integers: past 2^53, seed + 1 === seed and the sweep would silently run fewer seeds.
    if (from + (seeds - 1) > Number.MAX_SAFE_INTEGER) {
      throw new UsageError(
        `--from ${from} --seeds ${seeds}: the last seed would be beyond ${Number.MAX_SAFE_INTEGER} (2^53 - ` +
          `1); lower --from or --seeds`,
      );
    }
    const bugs = bugList(argv.bug);
    const files = ((argv.files as string[]) ?? []).map((file) => ({
      file,
      scenario: loadScenarioFile(file, ctx.registry),
    }));
    for (const { file, scenario } of files) {
      const p = ctx.registry.get(scenario.protocol.name);
      for (const b of bugs)
        if (p && !(b in p.bugs))
          throw new UsageError(
            `--bug: ${file} runs ${p.name}, which has no bug variant "${b}" (it has: ` +
              `${Object.keys(p.bugs).join(", ") || "none"})`,
          );
    }
    const bar =
      ctx.isTty && !argv.json
        ? new cliProgress.SingleBar({
            format: "sweep [{bar}] {value}/{total} runs, {failures} failures, {eta}s left",
            clearOnComplete: true,
          })
        : null;
    bar?.start(files.length * seeds, 0, { failures: 0 });
    const t0 = performance.now();
    // Ctrl-C (or a kill) stops the sweep after the run in progress, and the failures found so far are still reported,
    // with their repros; a second one ends the process at once.
    let interrupt = null as NodeJS.Signals | null; // (set by the handler: not narrowed to null below)
    const onSignal = (signal: NodeJS.Signals) => {
      interrupt = signal;
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    };
    for (const s of STOP_SIGNALS) process.once(s, onSignal);
    let result: SweepResult;
    try {
      result = await sweep(files, {
        registry: ctx.registry,
        seeds,
        from,
        bugs,
        failFast: argv["fail-fast"] === true,
        onRun: (done, _t, failures) => bar?.update(done, { failures }),
        pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
        stopped: () => interrupt !== null,
      });
    } finally {
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    }
    bar?.stop();
    const wallMs = performance.now() - t0;
    // An interrupted sweep writes no traces: whoever pressed Ctrl-C wants out (each failure says how to get its trace).
    const tracePaths = failureTracePaths(result.failures);
    const traces =
      argv.traces === false || result.interrupted
        ? []
        : await writeFailureTraces(result.failures, tracePaths, files, bugs, ctx);
    if (result.interrupted)
      ctx.stderr(
        `faultline: sweep interrupted (${interrupt}) after ${result.runs} of ${files.length * seeds} runs; ` +
          `the failures found so far follow`,
      );
    if (argv.json) {
      ctx.stdout(
        JSON.stringify({
          runs: result.runs,
          failures: result.failures.map(({ scenario, seed, check, repro, message }, i) => ({
            scenario,
            seed,
            check,
            repro,
            message,
            trace: traces[i] ?? null,
          })),
          events: result.events,
          wallMs: Math.round(wallMs),
          ...(result.interrupted ? { interrupted: true } : {}),
        }),
      );
    } else {
      const of = result.interrupted ? `, interrupted after ${result.runs} of ${files.length * seeds} runs` : "";
      const lines = [
        `${result.runs} runs of ${files.length} scenario(s), ${result.events} events in ` +
          `${(wallMs / 1000).toFixed(1)} s${of}: ${result.failures.length} failure(s)`,
      ];
      result.failures.forEach((f, i) => {
        const trace = traces[i];
        lines.push(`FAIL ${f.scenario} seed ${f.seed}: ${f.check}: ${f.message.slice(0, 240)}\n     repro: ${f.repro}`);
        lines.push(
          trace !== undefined && trace !== null
            ? `     trace: ${trace}  (npx faultline view ${shellQuote(trace)})`
            : `     trace: ${f.repro} --trace ${shellQuote(tracePaths[i] as string)}`,
        );
      });
      ctx.stdout(lines.join("\n"));
    }
    // A check failed: 1, interrupted or not. Interrupted with none found: 128 + the signal, as a shell reports it (130
    // for Ctrl-C, 143 for a plain kill).
    if (result.failures.length > 0) return 1;
    return result.interrupted ? 128 + osConstants.signals[interrupt ?? "SIGINT"] : 0;
  },
};

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Where each failure's trace goes: where `faultline run` would write it. Two files of one scenario name can fail on
 * the same seed: each failure keeps its own trace (-2, -3, ... before .ndjson.gz), so the second does not overwrite
 * the first's and leave the first failure pointing at the other file's run.
 */
function failureTracePaths(failures: readonly SweepFailure[]): string[] {
  const taken = new Set<string>();
  return failures.map((f) => {
    const first = defaultTracePath(f.scenario, f.seed);
    let path = first;
    for (let n = 2; taken.has(path); n++) path = first.replace(/\.ndjson\.gz$/, `-${n}.ndjson.gz`);
    taken.add(path);
    return path;
  });
}

/**
 * The sweep runs untraced (for speed); a failure's run is repeated with a trace, which the same seed reproduces
 * exactly, and written to its path (failureTracePaths). Returns the paths written, by failure, for the first few.
 */
async function writeFailureTraces(
  failures: readonly SweepFailure[],
  tracePaths: readonly string[],
  files: readonly { file: string; scenario: ResolvedScenario }[],
  bugs: string[],
  ctx: CliContext,
): Promise<(string | null)[]> {
  const paths: (string | null)[] = [];
  for (const [i, f] of failures.slice(0, MAX_TRACED_FAILURES).entries()) {
    const scenario = (files.find((x) => x.file === f.file) as { scenario: ResolvedScenario }).scenario;
    const r = runScenario(scenario, { registry: ctx.registry, seed: f.seed, bugs, sink: "record" });
    const path = tracePaths[i] as string;
    try {
      if (r.trace !== null) await writeTraceFile(path, r.trace);
    } catch (e) {
      // The failures found are the sweep's result: a trace that cannot be written (a full disk, `traces` not a
      // directory) must not throw them away. Say so, and leave the rest untraced: their repro lines still stand.
      if (!(e instanceof UsageError)) throw e;
      ctx.stderr(
        `faultline: warning: ${e.message}; the failures below are listed without traces (each repro line ` +
          `writes its own with --trace)`,
      );
      break;
    }
    paths.push(path);
  }
  return paths;
}
