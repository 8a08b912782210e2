import { formatMicros } from "../core/units.ts";
import { uncheckedReason } from "../check/liveness.ts";
import type { HistoryOp } from "../check/history.ts";
import type { RunResult } from "../world/result.ts";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
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

export function latencyStats(history: readonly HistoryOp[]): { p50: number; p99: number; max: number; n: number } {
  const lat = history
    .filter((h) => h.outcome === "ok" && h.completeMicros !== null)
    .map((h) => (h.completeMicros as number) - h.invokeMicros);
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat[lat.length - 1] ?? 0, n: lat.length };
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
    `clients    invoked ${c.invoked}: ok ${c.ok}, fail ${c.fail}, info ${c.info}${latency}`,
    `faults     crashes ${r.metrics.crashes ?? 0}, restarts ${r.metrics.restarts ?? 0}, partitions ` +
      `${r.metrics.partitions ?? 0}, heals ${r.metrics.heals ?? 0}, link changes ` +
      `${r.metrics.linkChanges ?? 0}, clock changes ${r.metrics.clockChanges ?? 0}, disk faults ` +
      `${r.metrics.diskFaults ?? 0}`,
  ];
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
  if (r.stop === "limit") lines.push(`limit      ${r.limitMessage}`);
  return lines.join("\n");
}
