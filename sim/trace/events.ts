/**
 * The trace format: one JSON header line, then one JSON line per event, then one footer line. This file is the
 * contract between the engine (writer), the reader, the exporters and the viewer.
 *
 * Field names are short because traces are large: `t` time (virtual microseconds), `k` kind, `n` the node the event
 * happened on, `i` a per-message id. Node and client ids are the scenario's names ("n1", "c2").
 */
import type { DiskFaultKind, ResolvedScenario } from "../scenario/resolved.ts";
import type { Micros, NodeId } from "../core/types.ts";
import type { ViewHints } from "../core/viewHints.ts";
import type { MetricSpec } from "../core/metrics.ts";

export const TRACE_FORMAT = "faultline-trace";
export const TRACE_VERSION = 1;

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  engine: string;
  seed: number | string;
  /** Bug variants switched on for this run (scenario `bugs` plus `--bug`). */
  bugs: string[];
  /** The fully resolved scenario: a trace alone can be replayed. */
  scenario: ResolvedScenario;
  /** Node ids with their datacenter, in topology order. */
  nodes: { id: NodeId; dc: string }[];
  /** Client ids with their datacenter. */
  clients: { id: string; dc: string }[];
  /** The protocol's view hints (Protocol.viewHints), when it declares them. */
  viewHints?: ViewHints;
  /** The protocol's metrics (Protocol.metrics), when it declares them: what `metric` events mean. */
  metrics?: MetricSpec[];
}

export type DropReason = "loss" | "partition" | "crash" | "link-down" | "queue-full";

/** One side of a partition: messages from any of `from` to any of `to` are blocked. */
export interface BlockedDirection {
  from: NodeId[];
  to: NodeId[];
}

export type PartitionKind = "symmetric" | "oneway" | "bridge" | "isolate-dc" | "random";

export type { DiskFaultKind };

export type ClientOpOutcome = "ok" | "fail" | "info";

export type TraceEvent =
  /** A message left `n` for `to`. `ty` is its type, `m` the message itself, `b` its size in bytes. */
  | { t: Micros; k: "send"; n: NodeId; to: NodeId; i: number; ty: string; m: unknown; b: number }
  /** Message `i` (sent at `st`) arrived at `n` from `from`. */
  | { t: Micros; k: "deliver"; n: NodeId; from: NodeId; i: number; st: Micros }
  /** Message `i` from `n` to `to` was dropped, at time t, for `why`. */
  | { t: Micros; k: "drop"; n: NodeId; to: NodeId; i: number; why: DropReason }
  /** The network duplicated message `i` as message `copy`. */
  | { t: Micros; k: "duplicate"; n: NodeId; to: NodeId; i: number; copy: number }
  | { t: Micros; k: "timer"; n: NodeId; name: string }
  | { t: Micros; k: "crash"; n: NodeId }
  | { t: Micros; k: "restart"; n: NodeId }
  /** A partition `id` started; `blocks` lists the directions it cuts. */
  | { t: Micros; k: "partition"; id: string; kind: PartitionKind; blocks: BlockedDirection[] }
  /** Partition `id` healed (`id` "*" heals every partition). */
  | { t: Micros; k: "heal"; id: string }
  /** The link(s) between DCs `a` and `b` changed (`a` === `b` for the intra-DC link); `change` is the new fields. */
  | { t: Micros; k: "link"; a: string; b: string; change: Record<string, unknown> }
  /** Node `n`'s clock changed: offset in micros, drift in parts per million. */
  | { t: Micros; k: "clock"; n: NodeId; offset: Micros; drift: number }
  | { t: Micros; k: "disk"; n: NodeId; fault: DiskFaultKind; key: string | null }
  /** Client `c` (process `p`) invoked op `r` at node `n`. */
  | { t: Micros; k: "invoke"; c: string; p: number; r: number; n: NodeId; op: unknown }
  /** Op `r` completed (`ok`, `fail`) or timed out / became indeterminate (`info`); `v` is the result. */
  | { t: Micros; k: ClientOpOutcome; c: string; p: number; r: number; n: NodeId | null; v: unknown }
  /** Node `n`'s view changed. */
  | { t: Micros; k: "state"; n: NodeId; v: Record<string, unknown> }
  | { t: Micros; k: "note"; n: NodeId; text: string; data?: Record<string, unknown> }
  /**
   * A check failed. `check` names it ("raft.election-safety", "linearizability", "liveness.leader"). `ops`: for
   * linearizability, the request ids of the minimal counterexample (docs/checking.md), for the viewer to mark.
   */
  | { t: Micros; k: "violation"; check: string; message: string; n?: NodeId; ops?: number[] }
  /**
   * A value of the protocol metric `name` (sim/core/metrics.ts), recorded by node `n` (absent: by an observer),
   * in the series `l` (absent: unlabelled).
   */
  | { t: Micros; k: "metric"; name: string; v: number; n?: NodeId; l?: string };

/**
 * Every trace event kind, in one list: the kind codes of the in-memory trace (recorder.ts) are the indices in it, the
 * reader checks kinds against it, the viewer lists them in this order. TraceEvent's `k` must be exactly these (checked
 * below), so a kind added to one and not the other fails tsc.
 */
export const TRACE_EVENT_KINDS = [
  "send",
  "deliver",
  "drop",
  "duplicate",
  "timer",
  "crash",
  "restart",
  "partition",
  "heal",
  "link",
  "clock",
  "disk",
  "invoke",
  "ok",
  "fail",
  "info",
  "state",
  "note",
  "violation",
  "metric",
] as const;

export type TraceEventKind = (typeof TRACE_EVENT_KINDS)[number];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const unionMatchesKinds: Same<TraceEvent["k"], TraceEventKind> = true;
void unionMatchesKinds;

/** Each kind's index in TRACE_EVENT_KINDS: the kind codes of the in-memory trace. */
export function traceKindCodes(): { readonly [K in TraceEventKind]: number } {
  return Object.fromEntries(TRACE_EVENT_KINDS.map((k, i) => [k, i])) as { [K in TraceEventKind]: number };
}

/** Last line of a complete trace: lets a reader tell a truncated trace from a finished one. */
export interface TraceFooter {
  k: "end";
  t: Micros;
  events: number;
  /** Why the run stopped: duration reached, idle, violation, or a limit. */
  stop: "duration" | "idle" | "violation" | "limit";
}
