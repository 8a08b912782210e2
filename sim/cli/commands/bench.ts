import { writeFileSync } from "node:fs";
import type { Argv } from "yargs";
import { formatBenchTable, runBenchmarks } from "../../../bench/run.ts";
import type { CliCommand } from "../command.ts";
import { writeFileAtomic } from "../traceFile.ts";

export const benchCommand: CliCommand = {
  command: "bench",
  describe: "Run the benchmark workloads and print events/s (ping-5, pending-1e6, growth series; --only mem-10m)",
  builder: (y: Argv) =>
    y
      .option("json", { type: "boolean", describe: 'print {"results": [...]}' })
      .option("only", { type: "string", array: true, describe: "run only these workloads (also opt-in ones like mem-10m)" })
      .option("out", { type: "string", describe: "also write the JSON results to this file" }),
  async run(argv, ctx) {
    const only = argv.only as string[] | undefined;
    const { results } = runBenchmarks(ctx.registry, {
      only,
      onResult: (r) => {
        if (!argv.json) ctx.stderr(`  ${r.name}: ${(r.eventsPerSecond / 1e6).toFixed(2)}M events/s`);
      },
    });
    const json = JSON.stringify({ results });
    if (argv.out !== undefined) writeFileAtomic(String(argv.out), (fd) => writeFileSync(fd, `${json}\n`));
    ctx.stdout(argv.json ? json : formatBenchTable(results));
    return 0;
  },
};
