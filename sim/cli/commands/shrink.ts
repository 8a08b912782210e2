import { writeSync } from "node:fs";
import type { Argv } from "yargs";
import { stringify } from "yaml";
import { formatMicros } from "../../core/units.ts";
import { reproLine } from "../../explore/repro.ts";
import { scenarioFileObject } from "../../explore/scenarioFile.ts";
import { type ScenarioSize, shrinkScenario } from "../../explore/shrink.ts";
import { EXIT_VIOLATED, runVerdict } from "../../explore/verdict.ts";
import { formatPath } from "../../scenario/load.ts";
import { type ResolvedScenario, ResolvedScenarioSchema } from "../../scenario/resolved.ts";
import type { TraceHeader } from "../../trace/events.ts";
import { TraceFormatError } from "../../trace/reader.ts";
import { runScenario } from "../../world/simulation.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { shellQuote } from "../scenarioFile.ts";
import { DISCARD_EVENTS, streamTraceEvents, writeFileAtomic, writeTraceFile } from "../traceFile.ts";

/** Candidate runs a shrink makes at most, unless --max-runs says otherwise. */
export const DEFAULT_SHRINK_RUNS = 2_000;

export const shrinkCommand: CliCommand = {
  command: "shrink <trace>",
  describe:
    "Shrink a failing run (its trace) to a smaller scenario that fails the same check: fewer faults, a shorter " +
    "duration, fewer clients and nodes, faults earlier; writes the scenario and its trace",
  builder: (y: Argv) =>
    y
      .positional("trace", { type: "string", describe: "trace of a failing run (.ndjson or .ndjson.gz)" })
      .option("out", { type: "string", describe: "the shrunk scenario file (default shrunk/<name>-seed<N>.yaml)" })
      .option("max-runs", { type: "string", describe: `most candidate runs (default ${DEFAULT_SHRINK_RUNS})` })
      .option("json", { type: "boolean", describe: "print the result as JSON" }),
  async run(argv, ctx) {
    const path = String(argv.trace);
    const maxRuns = parseMaxRuns(argv["max-runs"]);
    let header: TraceHeader | null = null;
    await streamTraceEvents(path, { ...DISCARD_EVENTS, header: (h) => (header = h) });
    const h = header as TraceHeader | null;
    if (h === null) throw new TraceFormatError(path, 1, "no header line");
    const scenario = checkedScenario(path, h, ctx);
    const out = argv.out === undefined ? defaultShrunkPath(scenario.name, h.seed) : String(argv.out);
    const r = await shrinkAndWrite({ scenario, seed: h.seed, bugs: h.bugs, out, maxRuns, source: path }, ctx);
    if (argv.json) ctx.stdout(JSON.stringify(r));
    else ctx.stdout(formatShrink(r));
    return EXIT_VIOLATED;
  },
};

function parseMaxRuns(value: unknown): number {
  if (value === undefined) return DEFAULT_SHRINK_RUNS;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--max-runs: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

export function defaultShrunkPath(name: string, seed: number | string): string {
  return `shrunk/${name.replace(/[^A-Za-z0-9_.-]+/g, "_")}-seed${seed}.yaml`;
}

/** The header's scenario, checked as replay checks it: the header is data from a file. */
function checkedScenario(path: string, header: TraceHeader, ctx: CliContext): ResolvedScenario {
  const checked = ResolvedScenarioSchema.safeParse(header.scenario);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = formatPath(["scenario", ...(issue?.path ?? [])]);
    throw new TraceFormatError(path, 1, `the header's scenario is not valid: ${where}: ${issue?.message ?? "invalid"}`);
  }
  if (ctx.registry.get(header.scenario.protocol.name) === undefined)
    throw new UsageError(`${path}: the trace's protocol "${header.scenario.protocol.name}" is not registered`);
  return header.scenario;
}

export interface ShrinkReport {
  source: string;
  check: string;
  message: string;
  runs: number;
  before: ScenarioSize;
  after: ScenarioSize;
  scenario: string;
  trace: string;
  repro: string;
}

/**
 * Shrink a failing scenario and write the result: the scenario file at `out` (carrying every bug, so its repro
 * needs no --bug) and its trace beside it. A run that does not fail is bad input: there is nothing to shrink.
 */
export async function shrinkAndWrite(
  o: {
    scenario: ResolvedScenario;
    seed: number | string;
    bugs: readonly string[];
    out: string;
    maxRuns: number;
    source: string;
  },
  ctx: CliContext,
): Promise<ShrinkReport> {
  if (typeof o.seed !== "number")
    throw new UsageError(`${o.source}: seed ${JSON.stringify(o.seed)} is a string; shrink needs an integer seed`);
  // The file carries all the run's bugs (the scenario's and --bug's), so the shrunk scenario runs with none added.
  const scenario = { ...o.scenario, seed: o.seed, bugs: [...new Set([...o.scenario.bugs, ...o.bugs])] };
  const first = runScenario(scenario, { registry: ctx.registry, sink: "none" });
  const v = runVerdict(first);
  if (v.verdict !== "violated")
    throw new UsageError(`${o.source}: its run does not fail (verdict ${v.verdict}): there is nothing to shrink`);
  const end = first.violations[0]?.atMicros ?? first.simulatedMicros;
  const shrunk = shrinkScenario(scenario, end, {
    registry: ctx.registry,
    seed: o.seed,
    bugs: [],
    check: v.check,
    maxRuns: o.maxRuns,
  });
  const file = { ...scenarioFileObject(shrunk.scenario) };
  file.description = `Shrunk from ${o.source} (${v.check}). ${shrunk.scenario.description}`.trim();
  writeFileAtomic(o.out, (fd) => writeSync(fd, stringify(file)));
  const final = runScenario(shrunk.scenario, { registry: ctx.registry, seed: o.seed, sink: "record" });
  const trace = `${o.out.replace(/\.(ya?ml|json)$/, "")}.ndjson.gz`;
  await writeTraceFile(trace, final.trace as NonNullable<typeof final.trace>);
  return {
    source: o.source,
    check: v.check,
    message: runVerdict(final).message,
    runs: shrunk.runs,
    before: shrunk.before,
    after: shrunk.after,
    scenario: o.out,
    trace,
    repro: reproLine({ file: o.out, seed: o.seed }),
  };
}

function sizes(a: ScenarioSize, b: ScenarioSize): string {
  return (
    `scheduled faults ${a.faults} -> ${b.faults}, duration ${formatMicros(a.durationMicros)} -> ` +
    `${formatMicros(b.durationMicros)}, clients ${a.clients} -> ${b.clients}, nodes ${a.nodes} -> ${b.nodes}, ` +
    `random fault rates on ${a.randomRates} -> ${b.randomRates}`
  );
}

export function formatShrink(r: ShrinkReport): string {
  return [
    `shrunk ${r.source} in ${r.runs} candidate runs, keeping ${r.check} failing:`,
    `  ${sizes(r.before, r.after)}`,
    `  ${r.check}: ${r.message.slice(0, 240)}`,
    `scenario   ${r.scenario}`,
    `trace      ${r.trace}  (npx faultline view ${shellQuote(r.trace)})`,
    "",
    `FAILED. repro: ${r.repro}`,
  ].join("\n");
}
