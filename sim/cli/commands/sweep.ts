import type { Argv } from "yargs";
import cliProgress from "cli-progress";
import { sweep, type SweepFailure } from "../../explore/sweep.ts";
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
      .positional("files", { type: "string", array: true })
      .option("seeds", { type: "string", describe: "number of seeds per scenario", demandOption: true })
      .option("from", { type: "string", describe: "first seed (default 1)" })
      .option("fail-fast", { type: "boolean", describe: "stop at the first failure" })
      .option("json", { type: "boolean", describe: 'print {"runs", "failures": [...]}' })
      .option("traces", { type: "boolean", default: true, describe: `write the trace of each of the first ${MAX_TRACED_FAILURES} failures (--no-traces to skip)` })
      .option("bug", { type: "string", array: true, describe: "switch on a bug variant (repeatable)" }),
  async run(argv, ctx) {
    const seeds = parseSeedFlag(argv.seeds, "--seeds");
    if (seeds === undefined || seeds < 1) throw new UsageError(`--seeds: expected a positive integer, got ${JSON.stringify(argv.seeds)}`);
    const from = parseSeedFlag(argv.from, "--from") ?? 1;
    // Seeds must stay exact integers: past 2^53, seed + 1 === seed and the sweep would silently run fewer seeds.
    if (from + (seeds - 1) > Number.MAX_SAFE_INTEGER) {
      throw new UsageError(`--from ${from} --seeds ${seeds}: the last seed would be beyond ${Number.MAX_SAFE_INTEGER} (2^53 - 1); lower --from or --seeds`);
    }
    const bugs = bugList(argv.bug);
    const files = ((argv.files as string[]) ?? []).map((file) => ({ file, scenario: loadScenarioFile(file, ctx.registry) }));
    for (const { file, scenario } of files) {
      const p = ctx.registry.get(scenario.protocol.name);
      for (const b of bugs) if (p && !(b in p.bugs)) throw new UsageError(`--bug: ${file} runs ${p.name}, which has no bug variant "${b}" (it has: ${Object.keys(p.bugs).join(", ") || "none"})`);
    }
    const bar = ctx.isTty && !argv.json ? new cliProgress.SingleBar({ format: "sweep [{bar}] {value}/{total} runs, {failures} failures, {eta}s left", clearOnComplete: true }) : null;
    bar?.start(files.length * seeds, 0, { failures: 0 });
    const t0 = performance.now();
    const result = sweep(files, { registry: ctx.registry, seeds, from, bugs, failFast: argv["fail-fast"] === true, onRun: (done, _t, failures) => bar?.update(done, { failures }) });
    bar?.stop();
    const wallMs = performance.now() - t0;
    const traces = argv.traces === false ? [] : await writeFailureTraces(result.failures, files, bugs, ctx);
    if (argv.json) {
      ctx.stdout(
        JSON.stringify({
          runs: result.runs,
          failures: result.failures.map(({ scenario, seed, check, repro, message }, i) => ({ scenario, seed, check, repro, message, trace: traces[i] ?? null })),
          events: result.events,
          wallMs: Math.round(wallMs),
        }),
      );
    } else {
      const lines = [`${result.runs} runs of ${files.length} scenario(s), ${result.events} events in ${(wallMs / 1000).toFixed(1)} s: ${result.failures.length} failure(s)`];
      result.failures.forEach((f, i) => {
        const trace = traces[i];
        lines.push(`FAIL ${f.scenario} seed ${f.seed}: ${f.check}: ${f.message.slice(0, 240)}\n     repro: ${f.repro}`);
        lines.push(trace !== undefined && trace !== null ? `     trace: ${trace}  (npx faultline view ${shellQuote(trace)})` : `     trace: ${f.repro} --trace ${shellQuote(defaultTracePath(f.scenario, f.seed))}`);
      });
      ctx.stdout(lines.join("\n"));
    }
    return result.failures.length > 0 ? 1 : 0;
  },
};

/**
 * The sweep runs untraced (for speed); a failure's run is repeated with a trace, which the same seed reproduces
 * exactly, and written where `faultline run` would write it. Returns the paths, by failure, for the first few.
 */
async function writeFailureTraces(failures: readonly SweepFailure[], files: readonly { file: string; scenario: ResolvedScenario }[], bugs: string[], ctx: CliContext): Promise<(string | null)[]> {
  const paths: (string | null)[] = [];
  for (const f of failures.slice(0, MAX_TRACED_FAILURES)) {
    const scenario = (files.find((x) => x.file === f.file) as { scenario: ResolvedScenario }).scenario;
    const r = runScenario(scenario, { registry: ctx.registry, seed: f.seed, bugs, sink: "record" });
    // Two files of one scenario name can fail on the same seed: each failure keeps its own trace (the second does not
    // overwrite the first's, which would leave the first failure pointing at the other file's run).
    let path = defaultTracePath(f.scenario, f.seed);
    for (let n = 2; paths.includes(path); n++) path = defaultTracePath(f.scenario, f.seed).replace(/\.ndjson\.gz$/, `-${n}.ndjson.gz`);
    try {
      if (r.trace !== null) await writeTraceFile(path, r.trace);
    } catch (e) {
      // The failures found are the sweep's result: a trace that cannot be written (a full disk, `traces` not a
      // directory) must not throw them away. Say so, and leave the rest untraced: their repro lines still stand.
      if (!(e instanceof UsageError)) throw e;
      ctx.stderr(`faultline: warning: ${e.message}; the failures below are listed without traces (each repro line writes its own with --trace)`);
      break;
    }
    paths.push(path);
  }
  return paths;
}
