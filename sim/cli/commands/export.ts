import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Argv } from "yargs";
import { EXPORT_FORMATS, EXPORTERS, isExportFormat, type TraceExporter } from "../../trace/export/index.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { cleanUpOnSignal, lineWriter, streamTraceEvents, writeFileAtomicAsync } from "../traceFile.ts";

/** Bytes read at a time when copying the output to stdout. */
const WRITE_CHUNK_CHARS = 1 << 20;

export const exportCommand: CliCommand = {
  command: "export <trace>",
  describe: "Export a trace: Chrome Trace JSON (Perfetto), ShiViz log, or Jepsen EDN history",
  builder: (y: Argv) =>
    y
      .positional("trace", { type: "string", describe: "trace file (.ndjson or .ndjson.gz)" })
      .option("format", { type: "string", demandOption: true, describe: EXPORT_FORMATS.join(" | ") })
      .option("out", {
        type: "string",
        describe: "output file (default: stdout); written only once the whole trace has been read",
      }),
  async run(argv, ctx) {
    const format = argv.format;
    if (!isExportFormat(format))
      throw new UsageError(
        `--format: unknown format ${JSON.stringify(format)} (expected one of: ${EXPORT_FORMATS.join(", ")})`,
      );
    const input = String(argv.trace);
    const out = argv.out === undefined ? null : String(argv.out);
    // The output goes to a temporary file first: a trace found truncated or corrupt half-way leaves no output file
    // behind (and prints nothing on stdout); a complete one is renamed into place (or copied to stdout).
    const scratch = out === null ? mkdtempSync(join(tmpdir(), "faultline-export-")) : null;
    const target = out ?? join(scratch as string, "out");
    // Ctrl-C or a kill while the trace is read removes the scratch folder too (the writer removes only its file).
    const stopCleanUp =
      scratch === null ? () => {} : cleanUpOnSignal(() => rmSync(scratch, { recursive: true, force: true }));
    try {
      let bytes = 0;
      await writeFileAtomicAsync(target, async (fd) => {
        const out = lineWriter(fd);
        await streamExport(input, EXPORTERS[format](out.write));
        bytes = out.end();
      });
      if (out === null) copyToStdout(target, ctx);
      else ctx.stderr(`wrote ${out} (${bytes} bytes, ${format})`);
    } finally {
      stopCleanUp();
      if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
    }
    return 0;
  },
};

/** Read the trace file as a stream into the exporter, checking it as it goes. */
async function streamExport(path: string, exporter: TraceExporter): Promise<void> {
  exporter.finish((await streamTraceEvents(path, exporter)).footer);
}

/** Print a finished output file on stdout in pieces that end at line ends (ctx.stdout adds the newline). */
function copyToStdout(path: string, ctx: CliContext): void {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(WRITE_CHUNK_CHARS);
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const data = Buffer.concat([carry, buf.subarray(0, n)]);
      const cut = n === 0 ? data.length : data.lastIndexOf(0x0a) + 1;
      if (cut > 0) ctx.stdout(data.subarray(0, cut).toString("utf8").replace(/\n$/, ""));
      carry = Buffer.from(data.subarray(cut));
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}
