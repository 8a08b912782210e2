import { writeSync } from "node:fs";
import { availableParallelism, constants as osConstants } from "node:os";
import type { Argv } from "yargs";
import cliProgress from "cli-progress";
import { REPORT_FORMAT, REPORT_VERSION, type ReportFinding, type SweepReport } from "../../explore/report.ts";
import { shardRange, sweep, type SweepFinding, type SweepResult } from "../../explore/sweep.ts";
import { taskScenario, type SweepSpec } from "../../explore/task.ts";
import { EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED } from "../../explore/verdict.ts";
import { runScenario } from "../../world/simulation.ts";
import { checkReproFlags, parseMaxStates, withMaxStates } from "../checkFlags.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { bugList, loadScenarioFile, parseSeedFlag, shellQuote } from "../scenarioFile.ts";
import { abandonOutput, fillOutput, openOutput, writeTraceFile } from "../traceFile.ts";
import { defaultTracePath } from "./run.ts";
import { DEFAULT_SHRINK_RUNS, defaultShrunkPath, formatShrink, shrinkAndWrite } from "./shrink.ts";
import { parseShard, parseWorkers, parseFraction } from "./sweepFlags.ts";
import { formatAggregates } from "../output.ts";

/** Failures whose trace a sweep writes (re-running each traced); past these, the repro gives the trace. */
const MAX_TRACED_FAILURES = 10;
/** Without a terminal, a progress line this often, so a CI log is not silent for minutes. */
const PROGRESS_LINE_MS = 5_000;

export const sweepCommand: CliCommand = {
  command: "sweep <files..>",
  describe:
    "Run scenarios over many seeds on worker threads; report every failure and inconclusive run with its repro " +
    "(exit 0 all held, 1 a check failed, 4 none failed but one was inconclusive)",
  builder: (y: Argv) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        describe: "scenario files (YAML or JSON), each run on every seed",
      })
      .option("seeds", { type: "string", describe: "number of seeds per scenario", demandOption: true })
      .option("from", { type: "string", describe: "first seed (default 1)" })
      .option("workers", {
        type: "string",
        describe: `worker threads (default: the number of cores, ${availableParallelism()} here)`,
      })
      .option("shard", { type: "string", describe: "run shard i of n of the seeds, as i/n (0 <= i < n)" })
      .option("shards", {
        type: "string",
        describe: "run shard JOB_COMPLETION_INDEX of n (a Kubernetes Indexed Job); give n",
      })
      .option("out", { type: "string", describe: "write the JSON report to this file (faultline merge reads it)" })
      .option("swarm", {
        type: "boolean",
        describe: "each seed also draws which fault kinds, ops and network features are on (swarm testing)",
      })
      .option("check-determinism", {
        type: "string",
        describe: "re-run this fraction of the seeds (0 to 1) and compare trace hashes",
      })
      .option("max-states", { type: "string", describe: "linearizability search budget, in states" })
      .option("fail-fast", { type: "boolean", describe: "stop at the first failure" })
      .option("shrink", {
        type: "boolean",
        describe: "shrink the first failure to a smaller scenario that fails the same check (see faultline shrink)",
      })
      .option("json", { type: "boolean", describe: "print the JSON report instead of the summary" })
      .option("metrics", {
        type: "boolean",
        describe: "list the clients' and network metrics over the seeds too, beside the protocol's own",
      })
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
    const to = from + seeds - 1;
    const workers = parseWorkers(argv.workers, availableParallelism());
    const shard = parseShard(argv.shard, argv.shards, process.env.JOB_COMPLETION_INDEX);
    const checkDeterminism = parseFraction(argv["check-determinism"], "--check-determinism");
    const maxStates = parseMaxStates(argv["max-states"]);
    const swarm = argv.swarm === true;
    const bugs = bugList(argv.bug);
    const files = ((argv.files as string[]) ?? []).map((file) => ({
      file,
      scenario: withMaxStates(loadScenarioFile(file, ctx.registry), maxStates),
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
    // Opened now: an unwritable --out is bad input before the sweep, not after an hour of it.
    const out = argv.out === undefined ? null : openOutput(String(argv.out));
    const range = shard === null ? { from, to } : shardRange(from, to, shard.index, shard.count);
    const spec: SweepSpec = { files, bugs, swarm, checkDeterminism };
    const reproFlags = checkReproFlags({ swarm, maxStates });
    const total = range === null ? 0 : files.length * (range.to - range.from + 1);
    const progress = startProgress(ctx, argv.json === true, total);
    const t0 = performance.now();
    // Ctrl-C (or a kill) stops the sweep after the runs in progress, and the failures found so far are still
    // reported, with their repros; a second one ends the process at once.
    let interrupt = null as NodeJS.Signals | null; // (set by the handler: not narrowed to null below)
    const onSignal = (signal: NodeJS.Signals) => {
      interrupt = signal;
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    };
    for (const s of STOP_SIGNALS) process.once(s, onSignal);
    let result: SweepResult;
    try {
      result =
        range === null
          ? emptyResult()
          : await sweep(spec, {
              registry: ctx.registry,
              registryModule: ctx.registryModule,
              workers,
              from: range.from,
              to: range.to,
              failFast: argv["fail-fast"] === true,
              reproFlags,
              onRun: progress.update,
              pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
              stopped: () => interrupt !== null,
            });
    } catch (e) {
      if (out !== null) abandonOutput(out);
      throw e;
    } finally {
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
      progress.stop();
    }
    const wallMs = performance.now() - t0;
    // An interrupted sweep writes no traces: whoever pressed Ctrl-C wants out (each failure says how to get its trace).
    const tracePaths = failureTracePaths(result.failures);
    const traces =
      argv.traces === false || result.interrupted
        ? []
        : await writeFailureTraces(result.failures, tracePaths, spec, ctx);
    if (result.interrupted)
      ctx.stderr(
        `faultline: sweep interrupted (${interrupt}) after ${result.runs} of ${total} runs; ` +
          `the failures found so far follow`,
      );
    const report: SweepReport = {
      format: REPORT_FORMAT,
      version: REPORT_VERSION,
      files: files.map((f) => f.file),
      from,
      to,
      shard,
      bugs,
      flags: reproFlags,
      checkDeterminism,
      runs: result.runs,
      events: result.events,
      failures: result.failures.map((f, i) => ({ ...f, trace: traces[i] ?? null })),
      inconclusive: result.inconclusive.map((f) => ({ ...f, trace: null })),
      determinismChecked: result.determinismChecked,
      wallMs: Math.round(wallMs),
      metrics: result.metrics,
      ...(result.interrupted ? { interrupted: true as const } : {}),
    };
    const first = result.failures[0];
    // The first failure, shrunk: a smaller scenario file and its trace (not when interrupted: whoever stopped it wants
    // out).
    const shrunk =
      argv.shrink === true && first !== undefined && !result.interrupted
        ? await shrinkAndWrite(
            {
              scenario: taskScenario(spec, {
                fileIndex: files.findIndex((f) => f.file === first.file),
                seed: first.seed,
              }),
              seed: first.seed,
              bugs,
              out: defaultShrunkPath(first.scenario, first.seed),
              maxRuns: DEFAULT_SHRINK_RUNS,
              source: `${first.file} seed ${first.seed}`,
            },
            ctx,
          )
        : null;
    const full = shrunk === null ? report : { ...report, shrunk };
    if (out !== null) fillOutput(out, (fd) => writeSync(fd, `${JSON.stringify(full, null, 1)}\n`));
    if (argv.json) ctx.stdout(JSON.stringify(full));
    else
      ctx.stdout(
        formatReport(report, total, shard === null ? null : range, argv.metrics === true) +
          (shrunk === null ? "" : `\n${formatShrink(shrunk)}`),
      );
    // A check failed: 1, interrupted or not. Interrupted with none found: 128 + the signal, as a shell reports it (130
    // for Ctrl-C, 143 for a plain kill).
    if (result.interrupted && result.failures.length === 0) return 128 + osConstants.signals[interrupt ?? "SIGINT"];
    return reportExitCode(report);
  },
};

/** 1 if a check failed, else 4 if a run was inconclusive, else 0. */
export function reportExitCode(r: Pick<SweepReport, "failures" | "inconclusive">): number {
  if (r.failures.length > 0) return EXIT_VIOLATED;
  return r.inconclusive.length > 0 ? EXIT_INCONCLUSIVE : EXIT_OK;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

function emptyResult(): SweepResult {
  return { runs: 0, failures: [], inconclusive: [], determinismChecked: 0, events: 0, interrupted: false, metrics: {} };
}

/**
 * A progress bar on a terminal; otherwise a plain line on stderr every `everyMs` (by the clock `now`, injectable for
 * tests).
 */
export function startProgress(
  ctx: CliContext,
  json: boolean,
  total: number,
  everyMs = PROGRESS_LINE_MS,
  now: () => number = () => performance.now(),
) {
  const t0 = now();
  let lastLine = t0;
  const bar =
    ctx.isTty && !json
      ? new cliProgress.SingleBar({
          format: "sweep [{bar}] {value}/{total} runs, {failures} failures, {inconclusive} inconclusive, {eta}s left",
          clearOnComplete: true,
        })
      : null;
  bar?.start(total, 0, { failures: 0, inconclusive: 0 });
  return {
    update(done: number, _total: number, failures: number, inconclusive: number) {
      if (bar !== null) {
        bar.update(done, { failures, inconclusive });
        return;
      }
      const at = now();
      if (at - lastLine < everyMs) return;
      lastLine = at;
      const rate = (done / (at - t0)) * 1000;
      ctx.stderr(
        `sweep: ${done}/${total} runs, ${failures} failure(s), ${inconclusive} inconclusive, ` +
          `${rate.toFixed(1)} runs/s, about ${Math.ceil((total - done) / Math.max(rate, 1e-9))} s left`,
      );
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The human summary of a sweep's report (or of merged shard reports). */
export function formatReport(
  r: SweepReport,
  total: number,
  shardRange: { from: number; to: number } | null,
  allMetrics = false,
): string {
  const tracePaths = failureTracePaths(r.failures);
  const of = r.interrupted === true ? `, interrupted after ${r.runs} of ${total} runs` : "";
  const shard =
    r.shard === null
      ? ""
      : shardRange === null
        ? ` (shard ${r.shard.index}/${r.shard.count}: no seeds)`
        : ` (shard ${r.shard.index}/${r.shard.count}: seeds ${shardRange.from}..${shardRange.to})`;
  const checked = r.checkDeterminism > 0 ? `, determinism checked on ${r.determinismChecked}` : "";
  const lines = [
    `${r.runs} runs of ${r.files.length} scenario(s)${shard}, ${r.events} events in ` +
      `${(r.wallMs / 1000).toFixed(1)} s${of}${checked}: ${r.failures.length} failure(s), ` +
      `${r.inconclusive.length} inconclusive`,
  ];
  r.failures.forEach((f, i) => {
    lines.push(`FAIL ${f.scenario} seed ${f.seed}: ${f.check}: ${f.message.slice(0, 240)}\n     repro: ${f.repro}`);
    lines.push(
      f.trace !== null
        ? `     trace: ${f.trace}  (npx faultline view ${shellQuote(f.trace)})`
        : `     trace: ${f.repro} --trace ${shellQuote(tracePaths[i] as string)}`,
    );
  });
  for (const f of r.inconclusive)
    lines.push(
      `INCONCLUSIVE ${f.scenario} seed ${f.seed}: ${f.check}: ${f.message.slice(0, 240)}\n     repro: ${f.repro}`,
    );
  lines.push(...formatAggregates(r, allMetrics));
  return lines.join("\n");
}

/**
 * Where each failure's trace goes: where `faultline run` would write it. Two files of one scenario name can fail on
 * the same seed: each failure keeps its own trace (-2, -3, ... before .ndjson.gz), so the second does not overwrite
 * the first's and leave the first failure pointing at the other file's run.
 */
function failureTracePaths(failures: readonly SweepFinding[]): string[] {
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
  failures: readonly SweepFinding[],
  tracePaths: readonly string[],
  spec: SweepSpec,
  ctx: CliContext,
): Promise<(string | null)[]> {
  const paths: (string | null)[] = [];
  for (const [i, f] of failures.slice(0, MAX_TRACED_FAILURES).entries()) {
    const fileIndex = spec.files.findIndex((x) => x.file === f.file);
    const scenario = taskScenario(spec, { fileIndex, seed: f.seed });
    const r = runScenario(scenario, { registry: ctx.registry, seed: f.seed, bugs: [...spec.bugs], sink: "record" });
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

export type { ReportFinding };
