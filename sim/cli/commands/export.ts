import { writeSync } from "node:fs";
import type { Argv } from "yargs";
import { toChromeTrace, toJepsenHistory, toShiViz } from "../../trace/export/index.ts";
import type { CliCommand } from "../command.ts";
import { readTraceFile, writeFileAtomic } from "../traceFile.ts";

const FORMATS = { chrome: toChromeTrace, shiviz: toShiViz, jepsen: toJepsenHistory } as const;

export const exportCommand: CliCommand = {
  command: "export <trace>",
  describe: "Export a trace: Chrome Trace JSON (Perfetto), ShiViz log, or Jepsen EDN history",
  builder: (y: Argv) =>
    y
      .positional("trace", { type: "string" })
      .option("format", { choices: Object.keys(FORMATS), demandOption: true, describe: "chrome | shiviz | jepsen" })
      .option("out", { type: "string", describe: "output file (default: stdout); written atomically" }),
  async run(argv, ctx) {
    const trace = readTraceFile(String(argv.trace));
    const text = FORMATS[argv.format as keyof typeof FORMATS](trace.header, trace.events);
    if (argv.out === undefined) ctx.stdout(text.trimEnd());
    else {
      writeFileAtomic(String(argv.out), (fd) => writeSync(fd, text));
      ctx.stderr(`wrote ${argv.out} (${text.length} bytes, ${argv.format})`);
    }
    return 0;
  },
};
