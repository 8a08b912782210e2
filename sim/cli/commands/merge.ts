import { writeSync } from "node:fs";
import type { Argv } from "yargs";
import { MergeError, mergeReports, REPORT_FORMAT, REPORT_VERSION, type SweepReport } from "../../explore/report.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { writeFileAtomic } from "../traceFile.ts";
import { readUserFile } from "../userFile.ts";
import { formatReport, reportExitCode } from "./sweep.ts";

/** A shard's report as `sweep --out` wrote it, or a UsageError naming the file. */
function readReport(path: string): SweepReport {
  let data: unknown;
  try {
    data = JSON.parse(readUserFile(path, "a sweep report").toString("utf8"));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: not a sweep report: ${(e as Error).message}`);
  }
  const r = data as Partial<SweepReport> | null;
  if (typeof r !== "object" || r === null || r.format !== REPORT_FORMAT)
    throw new UsageError(`${path}: not a sweep report (expected "format": "${REPORT_FORMAT}", as sweep --out writes)`);
  if (r.version !== REPORT_VERSION)
    throw new UsageError(`${path}: sweep report version ${JSON.stringify(r.version)}, expected ${REPORT_VERSION}`);
  return r as SweepReport;
}

export const mergeCommand: CliCommand = {
  command: "merge <reports..>",
  describe:
    "Combine the JSON reports of a sweep's shards (sweep --shard i/n --out FILE) into the report of the whole " +
    "sweep (exit 0 all held, 1 a check failed, 4 none failed but one was inconclusive)",
  builder: (y: Argv) =>
    y
      .positional("reports", { type: "string", array: true, describe: "shard reports, one per shard, any order" })
      .option("json", { type: "boolean", describe: "print the merged JSON report instead of the summary" })
      .option("metrics", {
        type: "boolean",
        describe: "list the clients' and network metrics over the seeds too, beside the protocol's own",
      })
      .option("out", { type: "string", describe: "also write the merged JSON report to this file" }),
  async run(argv, ctx) {
    const paths = (argv.reports as string[]) ?? [];
    const reports = paths.map((name) => ({ name, report: readReport(name) }));
    let merged: SweepReport;
    try {
      merged = mergeReports(reports);
    } catch (e) {
      if (e instanceof MergeError) throw new UsageError(e.message);
      throw e;
    }
    if (argv.out !== undefined) {
      writeFileAtomic(String(argv.out), (fd) => writeSync(fd, `${JSON.stringify(merged, null, 1)}\n`));
    }
    if (argv.json) ctx.stdout(JSON.stringify(merged));
    else ctx.stdout(formatReport(merged, merged.runs, null, argv.metrics === true));
    return reportExitCode(merged);
  },
};
