/**
 * The JSON report of a sweep (what `sweep --json` prints and `--out FILE` writes), and the merge of shard reports
 * into the report of the one sweep they split (`faultline merge`).
 */
import type { SweepFinding } from "./sweep.ts";
import { type MetricAggregates, mergeAggregates } from "./metricAggregate.ts";

export const REPORT_FORMAT = "faultline-sweep";
export const REPORT_VERSION = 1;

export interface ReportFinding extends SweepFinding {
  /** Where its trace was written, or null. */
  trace: string | null;
}

export interface SweepReport {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  files: string[];
  /** The whole sweep's seed range (every shard's report has the same one). */
  from: number;
  to: number;
  /** This report's shard of the range, or null for a whole sweep. */
  shard: { index: number; count: number } | null;
  bugs: string[];
  /** Flags of every repro line besides the seed and --bug (--swarm, --max-states N). */
  flags: string[];
  checkDeterminism: number;
  runs: number;
  events: number;
  failures: ReportFinding[];
  inconclusive: ReportFinding[];
  determinismChecked: number;
  wallMs: number;
  interrupted?: true;
  /** Metrics over the seeds, per scenario file (metricAggregate.ts). */
  metrics: MetricAggregates;
}

/** Why a set of reports cannot be merged; the CLI names the file. */
export class MergeError extends Error {
  override name = "MergeError";
}

const SAME_SWEEP = ["files", "from", "to", "bugs", "flags", "checkDeterminism"] as const;

/**
 * The report of the whole sweep from the reports of its shards, one per shard index, in any order: runs, events and
 * checks add up, and failures and inconclusive runs come in the sweep's order (file by file, seed by seed), as one
 * sequential sweep of the range lists them. Every shard must be there and of the same sweep.
 */
export function mergeReports(reports: readonly { name: string; report: SweepReport }[]): SweepReport {
  const first = reports[0];
  if (first === undefined) throw new MergeError("expected at least one report");
  const count = first.report.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { name, report } of reports) {
    for (const field of SAME_SWEEP)
      if (JSON.stringify(report[field]) !== JSON.stringify(first.report[field]))
        throw new MergeError(
          `${name}: not a shard of the same sweep as ${first.name}: ${field} is ${JSON.stringify(report[field])}, ` +
            `not ${JSON.stringify(first.report[field])}`,
        );
    const shard = report.shard ?? { index: 0, count: 1 };
    if (shard.count !== count)
      throw new MergeError(`${name}: shard ${shard.index}/${shard.count}, but ${first.name} is one of ${count}`);
    const twin = seen.get(shard.index);
    if (twin !== undefined)
      throw new MergeError(`${name}: shard ${shard.index}/${count} again (${twin} is that shard)`);
    seen.set(shard.index, name);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new MergeError(
      `shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} missing: the merge would not be the whole sweep`,
    );
  const byOrder = (a: ReportFinding, b: ReportFinding) =>
    first.report.files.indexOf(a.file) - first.report.files.indexOf(b.file) || a.seed - b.seed;
  const all = reports.map((r) => r.report);
  const sum = (f: (r: SweepReport) => number) => all.reduce((n, r) => n + f(r), 0);
  const merged: SweepReport = {
    ...first.report,
    shard: null,
    runs: sum((r) => r.runs),
    events: sum((r) => r.events),
    determinismChecked: sum((r) => r.determinismChecked),
    failures: all.flatMap((r) => r.failures).sort(byOrder),
    inconclusive: all.flatMap((r) => r.inconclusive).sort(byOrder),
    // The shards' wall times added: the work the sweep took, not how long anyone waited for it.
    wallMs: sum((r) => r.wallMs),
    metrics: {},
  };
  for (const r of all) mergeAggregates(merged.metrics, r.metrics ?? {});
  delete merged.interrupted;
  delete (merged as { shrunk?: unknown }).shrunk; // a shard's shrunk failure is that shard's
  if (all.some((r) => r.interrupted === true)) merged.interrupted = true;
  return merged;
}
