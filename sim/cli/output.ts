import { formatMicros } from "../core/units.ts";
import { uncheckedReason } from "../check/liveness.ts";
import type { WindowVerdict } from "../check/windows.ts";
import type { HistoryOp } from "../check/history.ts";
import type { RunResult } from "../world/result.ts";
import { type MetricSummary, type MetricUnit, percentileOf } from "../core/metrics.ts";
import type { ClientMetrics } from "../check/clientMetrics.ts";
import { aggregateRows, GENERIC, type MetricAggregates } from "../explore/metricAggregate.ts";

/** A byte count with a binary prefix: 512 B, 1.5 KiB, 3.25 MiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${+v.toFixed(2)} ${units[u]}`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** A metric value in its unit. */
export function formatMetricValue(unit: MetricUnit, v: number): string {
  switch (unit) {
    case "micros":
      return formatMicros(Math.round(v));
    case "bytes":
      return formatBytes(Math.round(v));
    case "ratio":
      return formatPercent(v);
    case "count":
      return Number.isInteger(v) ? `${v}` : `${+v.toFixed(3)}`;
  }
}

/** One line per protocol metric series: `name[label] p50 .., p99 .., max ..` for samples, else the total or level. */
export function formatProtocolMetric(s: MetricSummary): string {
  const f = (v: number) => formatMetricValue(s.unit, v);
  const name = `${s.name}${s.label === null ? "" : `[${s.label}]`}`;
  switch (s.kind) {
    case "counter":
      return `${name} ${f(s.sum)}${s.count > 1 ? ` (${s.count} records)` : ""}`;
    case "gauge":
      return `${name} ${f(s.last)} at the end, max ${f(s.max)}`;
    case "sample":
      return `${name} p50 ${f(s.p50)}, p99 ${f(s.p99)}, max ${f(s.max)}, mean ${f(s.mean)} (n ${s.count})`;
  }
}

/** The client-side metrics lines: availability per service, consistency of reads, latency by class. */
export function formatClientMetrics(m: ClientMetrics): string[] {
  const lines: string[] = [];
  const dcs = [...new Set(m.availability.map((a) => a.dc))];
  dcs.forEach((dc, i) => {
    const parts = m.availability
      .filter((a) => a.dc === dc)
      .map((a) => `${a.opClass}s ${formatPercent(a.okRatio)} ok (up ${formatPercent(a.uptimeRatio)})`);
    lines.push(`${i === 0 ? "available  " : "           "}${dc}: ${parts.join(", ")}`);
  });
  if (m.consistency !== null) {
    const c = m.consistency;
    lines.push(
      `consistent ${formatPercent(c.ratio)} of reads saw the latest acknowledged write (${c.consistent}/${c.reads})`,
    );
  }
  if (m.latency.length > 0) {
    const parts = m.latency.map(
      (l) => `${l.opClass}s p50 ${formatMicros(l.p50)}, p99 ${formatMicros(l.p99)}, max ${formatMicros(l.max)}`,
    );
    lines.push(`latency    ${parts.join("; ")}`);
  }
  return lines;
}

function livenessLine(r: RunResult, live: readonly RunResult["violations"][number][]): string {
  const spec = r.scenario.checks.liveness;
  const v = r.liveness;
  if (spec === null || v === null) return "not checked";
  const what = `${spec.require.join(", ")} within ${formatMicros(spec.windowMicros)} of the last fault`;
  switch (v.verdict) {
    case "violated":
      return `VIOLATED: ${live.map((x) => x.message).join("; ")}`;
    case "ok":
      return `OK (${what}; faults stopped at ${formatMicros(v.quietAtMicros ?? 0)})`;
    case "unchecked":
      return (
        `INCONCLUSIVE, not checked (${what}): ` + `${uncheckedReason(v.quietAtMicros, r.simulatedMicros, formatMicros)}`
      );
    case "undecided":
      return (
        `INCONCLUSIVE, undecided (${what}): the run ended ` +
        `${formatMicros(r.simulatedMicros - (v.quietAtMicros ?? 0))} after` +
        ` faults stopped, inside the window, before every condition was seen holding`
      );
  }
}

/** One window check's line: what it required over which span, and its verdict. */
function windowLine(w: WindowVerdict): string {
  const times =
    w.fromMicros === null || w.toMicros === null ? "" : `${formatMicros(w.fromMicros)}-${formatMicros(w.toMicros)}`;
  const span = times === "" || times === w.label ? "" : ` (${times})`;
  const what = w.kind === "during" ? `progress during ${w.label}${span}` : `nothing commits during ${w.label}${span}`;
  const verdict = w.verdict === "ok" ? "OK" : w.verdict === "violated" ? "VIOLATED" : "INCONCLUSIVE, not checked";
  return `${what}: ${verdict} (${w.message})`;
}

export function latencyStats(history: readonly HistoryOp[]): { p50: number; p99: number; max: number; n: number } {
  const lat = history
    .filter((h) => h.outcome === "ok" && h.completeMicros !== null)
    .map((h) => (h.completeMicros as number) - h.invokeMicros);
  lat.sort((a, b) => a - b);
  return { p50: percentileOf(lat, 0.5), p99: percentileOf(lat, 0.99), max: lat[lat.length - 1] ?? 0, n: lat.length };
}

/** The human summary of a run. */
export function formatSummary(file: string, r: RunResult, wallMs: number): string {
  const m = r.messages;
  const drops = Object.entries(m.dropsByReason)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${why} ${n}`)
    .join(", ");
  const lat = latencyStats(r.history);
  const c = r.clientOps;
  const latency = lat.n
    ? `  latency p50 ${formatMicros(lat.p50)}, p99 ${formatMicros(lat.p99)}, max ${formatMicros(lat.max)}`
    : "";
  const lines = [
    `scenario   ${r.scenario.name} (${file})  protocol ` +
      `${r.scenario.protocol.name}${r.bugs.length ? `  bugs: ${r.bugs.join(", ")}` : ""}`,
    `seed       ${r.seed}`,
    `simulated  ${formatMicros(r.simulatedMicros)} in ${wallMs.toFixed(0)} ms wall  (${r.events} events, ` +
      `${wallMs > 0 ? (((r.events / wallMs) * 1000) / 1e6).toFixed(2) : "-"}M events/s)  stop: ${r.stop}`,
    `messages   sent ${m.sent}, delivered ${m.delivered}, dropped ` +
      `${m.dropped}${drops ? ` (${drops})` : ""}, duplicated ${m.duplicated}`,
    `bytes      ${formatBytes(m.bytes)} sent, ${formatBytes(m.crossDcBytes)} of them across DCs`,
    `clients    invoked ${c.invoked}: ok ${c.ok}, fail ${c.fail}, info ${c.info}${latency}`,
    ...(c.invoked > 0 ? formatClientMetrics(r.clientMetrics) : []),
    `faults     crashes ${r.metrics.crashes ?? 0}, restarts ${r.metrics.restarts ?? 0}, partitions ` +
      `${r.metrics.partitions ?? 0}, heals ${r.metrics.heals ?? 0}, link changes ` +
      `${r.metrics.linkChanges ?? 0}, clock changes ${r.metrics.clockChanges ?? 0}, disk faults ` +
      `${r.metrics.diskFaults ?? 0}`,
  ];
  r.protocolMetrics.forEach((s, i) => {
    lines.push(`${i === 0 ? "metrics    " : "           "}${formatProtocolMetric(s)}`);
  });
  const safety = r.violations.filter((v) => !v.check.startsWith("liveness") && v.check !== "linearizability");
  const live = r.violations.filter((v) => v.check.startsWith("liveness"));
  const violated = () => safety.map((v) => `${v.check} at ${formatMicros(v.atMicros)}: ${v.message}`).join("; ");
  lines.push(`safety     ${safety.length === 0 ? "OK" : `VIOLATED: ${violated()}`}`);
  const lin = r.linearizability;
  const linVerdict =
    lin === null
      ? "not checked"
      : lin.verdict === "ok"
        ? `OK (${lin.message})`
        : lin.verdict === "violation"
          ? `VIOLATED: ${lin.message}`
          : `INCONCLUSIVE: ${lin.message} (raise checks.linearizability.maxStates or --max-states)`;
  lines.push(`linearizable ${linVerdict}`);
  lines.push(`liveness   ${livenessLine(r, live)}`);
  (r.windows ?? []).forEach((w, i) => {
    lines.push(`${i === 0 ? "windows    " : "           "}${windowLine(w)}`);
  });
  if (r.stop === "limit") lines.push(`limit      ${r.limitMessage}`);
  return lines.join("\n");
}

/**
 * Metrics over a sweep's seeds, per file: the protocol's own metrics, and with `all` the clients' and the network's
 * too (those every run has). One line per key: mean and p99 over the seeds, then the range.
 */
export function formatAggregates(r: { files: readonly string[]; metrics?: MetricAggregates }, all: boolean): string[] {
  const rows = aggregateRows(r.metrics ?? {}, r.files).filter((x) => all || !x.key.startsWith(GENERIC));
  if (rows.length === 0) return [];
  const lines = ["metrics over the seeds (mean, p99 over seeds, [min, max]):"];
  const width = Math.min(48, Math.max(...rows.map((x) => x.key.length - (x.key.startsWith(GENERIC) ? 1 : 0))));
  let file = "";
  for (const x of rows) {
    if (x.file !== file) {
      file = x.file;
      lines.push(`  ${file} (${x.runs} runs)`);
    }
    const f = (v: number) => formatMetricValue(x.unit, v);
    const key = x.key.startsWith(GENERIC) ? x.key.slice(1) : x.key;
    lines.push(`    ${key.padEnd(width)}  mean ${f(x.mean)}, p99 ${f(x.p99)}  [${f(x.min)}, ${f(x.max)}]`);
  }
  return lines;
}
