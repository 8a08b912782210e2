/**
 * The run API: what `runScenario` (simulation.ts) takes and returns. The CLI, the sweep, the bench, the viewer's
 * in-page re-simulation and property tests all go through it.
 */
import type { ProtocolRegistry } from "../core/registry.ts";
import type { Seed } from "../core/rng.ts";
import type { Micros, NodeId } from "../core/types.ts";
import type { HistoryOp, LinearizabilityResult } from "../check/history.ts";
import type { LivenessVerdict } from "../check/liveness.ts";
import type { WindowVerdict } from "../check/windows.ts";
import type { ClientMetrics } from "../check/clientMetrics.ts";
import type { MetricSummary } from "../core/metrics.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import type { DropReason, TraceHeader } from "../trace/events.ts";
import type { TraceSink } from "../trace/sink.ts";

export interface RunOptions {
  registry: ProtocolRegistry;
  /** Overrides the scenario's seed. */
  seed?: Seed;
  /** Overrides the scenario's duration. */
  durationMicros?: Micros;
  /** Extra bug variants on top of the scenario's `bugs`. */
  bugs?: string[];
  /**
   * Where trace events go. Default: a new in-memory TraceRecorder when the scenario's trace.enabled is true,
   * otherwise nothing. Pass NULL_SINK for an untraced run.
   */
  sink?: TraceSink | "record" | "none";
  /** Called every ~2^16 events (progress bars); must not affect the run. */
  onProgress?: (simulatedMicros: Micros, events: number) => void;
}

export interface Violation {
  check: string;
  message: string;
  atMicros: Micros;
  node: NodeId | null;
}

export interface RunResult {
  scenario: ResolvedScenario;
  seed: Seed;
  bugs: string[];
  stop: "duration" | "idle" | "violation" | "limit";
  /** Set when stop === "limit": which limit and the message. */
  limitMessage: string | null;
  simulatedMicros: Micros;
  /** Scheduler events processed. */
  events: number;
  messages: {
    sent: number;
    delivered: number;
    dropped: number;
    duplicated: number;
    dropsByReason: Record<DropReason, number>;
    /** Bytes of every message sent, and of those between two datacenters. */
    bytes: number;
    crossDcBytes: number;
  };
  clientOps: { invoked: number; ok: number; fail: number; info: number };
  violations: Violation[];
  history: HistoryOp[];
  linearizability: LinearizabilityResult | null;
  /** The liveness check's verdict (null when the scenario checks no liveness). */
  liveness: LivenessVerdict | null;
  /** The window checks' verdicts (liveness.during, then nothingCommits), absent when the scenario has none. */
  windows?: WindowVerdict[];
  /** The header a trace of this run carries (also available when untraced). */
  header: TraceHeader;
  /** The in-memory trace when recorded ("record" or default with trace.enabled), else null. */
  trace: import("../trace/recorder.ts").TraceRecorder | null;
  /** Per-node crash/restart counts, leader changes etc. that a protocol-agnostic summary can show. */
  metrics: Record<string, number>;
  /** The protocol's own metrics (Protocol.metrics), one summary per (name, label) series recorded. */
  protocolMetrics: MetricSummary[];
  /** Availability, read consistency and latency as the clients saw them (computed from the history when read). */
  readonly clientMetrics: ClientMetrics;
}
