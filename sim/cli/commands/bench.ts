import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Argv } from "yargs";
import { type BenchResult, loadBenchRunner } from "../bench/benchRunner.ts";
import { formatBenchTable, formatTable, mega } from "../bench/benchTable.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { projectRoot } from "../projectRoot.ts";
import { abandonOutput, fillOutput, openOutput } from "../traceFile.ts";

/** This checkout's `faultline` command. */
const bin = (): string => join(projectRoot(), "bin/faultline.mjs");

/**
 * glibc's tunable that makes malloc ask for transparent huge pages (madvise) on the memory it maps: the trace's 8 MiB
 * blocks then take a page fault per 2 MiB instead of per 4 KiB (see sim/trace/recorder.ts). Tunables are read when a
 * process starts, so only a child process can get it. Other libcs and systems ignore the variable.
 */
const HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1";

function childEnv(hugePages: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const tunables = (env.GLIBC_TUNABLES ?? "")
    .split(":")
    .filter((t) => t !== "" && !t.startsWith("glibc.malloc.hugetlb="));
  if (hugePages) tunables.push(HUGE_PAGES_TUNABLE);
  if (tunables.length > 0) env.GLIBC_TUNABLES = tunables.join(":");
  else delete env.GLIBC_TUNABLES;
  return env;
}

/**
 * Run one workload in a fresh process, so no workload inherits another's heap, JIT state or garbage. `cli` is this
 * checkout's CLI, or another checkout's (--against).
 */
function isolated(name: string, hugePages: boolean, cli = bin()): BenchResult {
  const args = ["--max-old-space-size=4096", cli, "bench", "--only", name, "--json", "--no-isolate", "--runs", "1"];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", env: childEnv(hugePages) });
  const where = cli === bin() ? "" : ` (in ${resolve(cli, "../..")})`;
  if (r.status !== 0)
    throw new Error(`benchmark ${name} failed${where}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return (JSON.parse(r.stdout) as { results: BenchResult[] }).results[0] as BenchResult;
}

/**
 * ping-5's events/s as a share of ping-5-bare's (when both ran): the figure of the engine that the host's speed
 * changes least. The issue that set ping-5's 2M target measured the bare loop at 4-6M on its host, so the target is
 * 0.33-0.5 of the bare loop.
 */
export function againstBare(results: readonly BenchResult[]): string | null {
  const ping = results.find((r) => r.name === "ping-5");
  const bare = results.find((r) => r.name === "ping-5-bare");
  if (ping === undefined || bare === undefined) return null;
  const share = ping.eventsPerSecond / bare.eventsPerSecond;
  return (
    `ping-5 ran at ${share.toFixed(2)} of ping-5-bare's events/s (the 2M target, set where the bare loop did ` +
    `4-6M, is 0.33-0.50 of it)`
  );
}

/** One workload run in pairs, this checkout against another (--against). */
export interface BenchComparison {
  name: string;
  /** This checkout's median run, and the other's. */
  ours: BenchResult;
  theirs: BenchResult;
  /** Per pair: this checkout's events/s divided by the other's, in run order. */
  ratios: number[];
  /** The median of `ratios`: above 1, this checkout is faster. */
  ratio: number;
  /** Pairs in which this checkout was faster. */
  faster: number;
}

/**
 * Pair up the runs of a comparison: run i of each checkout ran back to back, so the two saw nearly the same host.
 * On a shared VM whose speed swings by a third from one minute to the next (see medianRun), the ratio within a pair
 * tells far more than the ratio of two medians taken minutes apart.
 */
export function comparePairs(
  name: string,
  ours: readonly BenchResult[],
  theirs: readonly BenchResult[],
): BenchComparison {
  if (ours.length !== theirs.length || ours.length === 0)
    throw new Error(`benchmark ${name}: ${ours.length} runs against ${theirs.length}, expected equal and at least one`);
  const ratios = ours.map((r, i) => r.eventsPerSecond / (theirs[i] as BenchResult).eventsPerSecond);
  const sorted = [...ratios].sort((a, b) => a - b);
  const ratio =
    sorted.length % 2 === 1
      ? (sorted[sorted.length >> 1] as number)
      : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  return {
    name,
    ours: medianRun(name, ours),
    theirs: medianRun(name, theirs),
    ratios,
    ratio,
    faster: ratios.filter((r) => r > 1).length,
  };
}

export function formatComparisonTable(comparisons: readonly BenchComparison[], against: string): string {
  const head = ["workload", "this events/s", `${against} events/s`, "ratio", "pairs faster", "pair ratios"];
  const rows = comparisons.map((c) => [
    c.name,
    mega(c.ours.eventsPerSecond),
    mega(c.theirs.eventsPerSecond),
    c.ratio.toFixed(3),
    `${c.faster} of ${c.ratios.length}`,
    `${Math.min(...c.ratios).toFixed(2)}-${Math.max(...c.ratios).toFixed(2)}`,
  ]);
  return formatTable(head, rows);
}

/**
 * The CLI of the checkout --against names: a directory with bin/faultline.mjs, its packages installed, and every
 * chosen workload (an older checkout may lack newer ones). Asked before any run, so a missing workload is a usage
 * error now, not a failure after minutes of benchmarks.
 */
function againstBin(dir: string, chosen: readonly string[]): string {
  const root = resolve(dir);
  const bin = join(root, "bin", "faultline.mjs");
  if (!existsSync(bin))
    throw new UsageError(
      `--against: ${root} has no bin/faultline.mjs (expected another Faultline checkout, such as a git worktree)`,
    );
  if (!existsSync(join(root, "node_modules")))
    throw new UsageError(`--against: ${root} has no node_modules (run npm ci there first)`);
  // `--runs 0` is refused after --only is checked (in every checkout since --runs exists): exit 2 either way, and
  // the message says which of the two it refused.
  const r = spawnSync(process.execPath, [bin, "bench", "--only", ...chosen, "--runs", "0"], { encoding: "utf8" });
  const missing = /--only: (no workload .*)$/m.exec(r.stderr ?? "");
  if (missing !== null) throw new UsageError(`--against: ${root} has ${missing[1]}`);
  return bin;
}

/**
 * The median of a workload's runs (by events/s), with every run's events/s beside it. The machine this project is
 * measured on is a shared VM whose busy spells slow a run by up to a third; one run says little, the median of a few
 * says what the engine does. Runs must agree on the event count (the same scenario and seed): if they do not, the
 * engine is not deterministic, and that is an error, not a number.
 */
export function medianRun(name: string, runs: readonly BenchResult[]): BenchResult {
  if (runs.length === 0) throw new Error(`benchmark ${name}: no runs`);
  const events = new Set(runs.map((r) => r.events));
  if (events.size > 1)
    throw new Error(
      `benchmark ${name}: runs processed different numbers of events (${[...events].join(", ")}): the run ` +
        `is not deterministic`,
    );
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = sorted[(sorted.length - 1) >> 1] as BenchResult;
  return { ...median, runs: runs.map((r) => r.eventsPerSecond) };
}

function parseRuns(value: unknown): number {
  const text = String(value);
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 100)) throw new UsageError(`--runs: expected a whole number from 1 to 100, got "${text}"`);
  return n;
}

export const benchCommand: CliCommand = {
  command: "bench",
  describe:
    "Run the benchmark workloads and print events/s (ping-5, pending-1e6, growth series, raft-5; --only mem-10m)",
  builder: (y: Argv) =>
    y
      .option("json", { type: "boolean", describe: 'print {"results": [...]}' })
      .option("only", {
        type: "string",
        array: true,
        describe: "run only these workloads (also opt-in ones like mem-10m)",
      })
      .option("out", { type: "string", describe: "also write the JSON results to this file" })
      .option("runs", {
        type: "string",
        default: "3",
        describe:
          "run each workload this many times (each in a fresh process, unless --no-isolate) and report the median",
      })
      .option("isolate", {
        type: "boolean",
        default: true,
        describe: "run each workload in its own process (--no-isolate: all in this one)",
      })
      .option("against", {
        type: "string",
        describe:
          "compare with another checkout (a directory, e.g. a git worktree of the base commit): each run " +
          "there pairs with a run here, back to back",
      })
      .option("huge-pages", {
        type: "boolean",
        default: true,
        describe:
          `workload processes ask malloc for transparent huge pages (GLIBC_TUNABLES=${HUGE_PAGES_TUNABLE}; ` +
          `--no-huge-pages: plain 4 KiB pages)`,
      }),
  async run(argv, ctx) {
    const { workloads: WORKLOADS, runBenchmarks } = await loadBenchRunner();
    const only = argv.only as string[] | undefined;
    for (const name of only ?? []) {
      if (!WORKLOADS.some((w) => w.name === name))
        throw new UsageError(`--only: no workload "${name}" (workloads: ${WORKLOADS.map((w) => w.name).join(", ")})`);
    }
    const runs = parseRuns(argv.runs);
    if (argv.against !== undefined && argv.isolate === false)
      throw new UsageError(
        "--against runs every workload in fresh processes of both checkouts; it cannot be combined with --no-isolate",
      );
    const chosen = WORKLOADS.filter((w) => (only && only.length > 0 ? only.includes(w.name) : !w.optIn)).map(
      (w) => w.name,
    );
    const other = argv.against !== undefined ? againstBin(String(argv.against), chosen) : null;
    const progress = (r: BenchResult) => {
      if (!argv.json) ctx.stderr(`  ${r.name}: ${mega(r.eventsPerSecond)} events/s`);
    };
    const hugePages = argv["huge-pages"] !== false;
    // Open --out before the runs: an unwritable path fails now, not after minutes of benchmarks.
    const out = argv.out !== undefined ? openOutput(String(argv.out)) : null;
    if (other !== null) return compare(chosen, runs, other, hugePages, Boolean(argv.json), out, ctx);
    let results: BenchResult[];
    try {
      results = chosen.map((name) => {
        const each: BenchResult[] = [];
        for (let i = 0; i < runs; i++) {
          const r =
            argv.isolate !== false
              ? isolated(name, hugePages)
              : (runBenchmarks(ctx.registry, { only: [name] }).results[0] as BenchResult);
          progress(r);
          each.push(r);
        }
        return medianRun(name, each);
      });
    } catch (e) {
      if (out !== null) abandonOutput(out);
      throw e;
    }
    const json = JSON.stringify({ results });
    if (out !== null) fillOutput(out, (fd) => writeFileSync(fd, `${json}\n`));
    const pages =
      argv.isolate === false
        ? `this process (GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ""})`
        : hugePages
          ? `a fresh process per run, transparent huge pages asked for (${HUGE_PAGES_TUNABLE})`
          : "a fresh process per run, 4 KiB pages";
    const how = runs === 1 ? "one run per workload" : `the median of ${runs} runs per workload`;
    const yardstick = againstBare(results);
    ctx.stdout(
      argv.json
        ? json
        : `${formatBenchTable(results)}\n(${how}; ${pages})${yardstick === null ? "" : `\n${yardstick}`}` +
            results.map((r) => (r.note === undefined ? "" : `\n${r.note}`)).join(""),
    );
    return 0;
  },
};

/** --against: each workload's runs alternate between the two checkouts (which goes first alternates too). */
function compare(
  chosen: string[],
  runs: number,
  other: string,
  hugePages: boolean,
  json: boolean,
  out: ReturnType<typeof openOutput> | null,
  ctx: CliContext,
): number {
  const otherDir = resolve(other, "../..");
  let comparisons: BenchComparison[];
  try {
    comparisons = chosen.map((name) => {
      const ours: BenchResult[] = [];
      const theirs: BenchResult[] = [];
      for (let i = 0; i < runs; i++) {
        // Sides by position, not by path: --against may name this very checkout (an A/A run, to see the noise).
        for (const here of i % 2 === 0 ? [true, false] : [false, true]) {
          const r = isolated(name, hugePages, here ? bin() : other);
          (here ? ours : theirs).push(r);
          if (!json) ctx.stderr(`  ${name} ${here ? "here" : "there"}: ${mega(r.eventsPerSecond)} events/s`);
        }
      }
      return comparePairs(name, ours, theirs);
    });
  } catch (e) {
    if (out !== null) abandonOutput(out);
    throw e;
  }
  const text = JSON.stringify({
    results: comparisons.map((c) => c.ours),
    against: {
      dir: otherDir,
      results: comparisons.map((c) => c.theirs),
      comparisons: comparisons.map((c) => ({ name: c.name, ratio: c.ratio, faster: c.faster, ratios: c.ratios })),
    },
  });
  if (out !== null) fillOutput(out, (fd) => writeFileSync(fd, `${text}\n`));
  const note =
    `(${runs} pair${runs === 1 ? "" : "s"} per workload, each a fresh process here and one there, back to ` +
    `back; ratio: the median of this checkout's events/s over the other's within a pair)`;
  ctx.stdout(json ? text : `${formatComparisonTable(comparisons, "there")}\nthere: ${otherDir}\n${note}`);
  return 0;
}
