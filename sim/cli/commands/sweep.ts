import type { Argv } from "yargs";
import cliProgress from "cli-progress";
import { sweep } from "../../explore/sweep.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { bugList, loadScenarioFile, parseSeedFlag } from "../scenarioFile.ts";

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
    if (argv.json) {
      ctx.stdout(JSON.stringify({ runs: result.runs, failures: result.failures.map(({ scenario, seed, check, repro, message }) => ({ scenario, seed, check, repro, message })), events: result.events, wallMs: Math.round(wallMs) }));
    } else {
      const lines = [`${result.runs} runs of ${files.length} scenario(s), ${result.events} events in ${(wallMs / 1000).toFixed(1)} s: ${result.failures.length} failure(s)`];
      for (const f of result.failures) lines.push(`FAIL ${f.scenario} seed ${f.seed}: ${f.check}: ${f.message.slice(0, 240)}\n     repro: ${f.repro}`);
      ctx.stdout(lines.join("\n"));
    }
    return result.failures.length > 0 ? 1 : 0;
  },
};
