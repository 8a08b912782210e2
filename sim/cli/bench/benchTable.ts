import type { BenchResult } from "./benchRunner.ts";

/** Events/s as the tables show them: 2.46M. */
export const mega = (eps: number): string => `${(eps / 1e6).toFixed(2)}M`;

/** A plain-text table: the first column left-aligned, the others right-aligned, a rule under the head. */
export function formatTable(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ");
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt)].join("\n");
}

export function formatBenchTable(results: readonly BenchResult[]): string {
  const head = [
    "workload",
    "events",
    "events/s",
    "runs (events/s)",
    "traced",
    "wall ms",
    "sim s/wall s",
    "client ops/sim s",
    "rss MB",
    "trace events",
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.events),
    mega(r.eventsPerSecond),
    r.runs === undefined || r.runs.length < 2 ? "-" : `${mega(Math.min(...r.runs))}-${mega(Math.max(...r.runs))}`,
    r.traced ? "yes" : "no",
    String(r.wallMs),
    String(r.simulatedSecondsPerWallSecond),
    r.clientOpsPerSimSecond > 0 ? String(r.clientOpsPerSimSecond) : "-",
    String(r.heapMB),
    String(r.traceEvents),
  ]);
  return formatTable(head, rows);
}
