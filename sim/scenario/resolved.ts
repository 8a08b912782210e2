/**
 * A scenario after loading, validation and resolution of defaults: every duration in integer microseconds, every
 * size in bytes, every optional field filled in. This is what the engine runs and what the trace header records, so
 * a trace alone can be re-run. The zod schema (schema.ts) turns user files into this shape.
 */
import type { Micros, NodeId } from "../core/types.ts";
import type { DiskFaultKind } from "../trace/events.ts";

export type LatencyDist =
  | { kind: "constant"; valueMicros: Micros }
  | { kind: "uniform"; minMicros: Micros; maxMicros: Micros }
  | { kind: "normal"; meanMicros: Micros; stddevMicros: Micros }
  /** exp(N(ln median, sigma^2)) */
  | { kind: "lognormal"; medianMicros: Micros; sigma: number }
  /** scale * U^(-1/shape), capped at capMicros */
  | { kind: "pareto"; scaleMicros: Micros; shape: number; capMicros: Micros };

export interface LinkSpec {
  latency: LatencyDist;
  /** Probability each message is lost, in [0, 1]. */
  loss: number;
  /** Probability each delivered message is delivered twice, in [0, 1]. */
  duplicate: number;
  /** Bytes per second on the wire, or null for unlimited. Messages queue behind each other on a link. */
  bandwidthBytesPerSecond: number | null;
  /** Messages are sent in blocks of this many bytes (a message of n blocks of d bytes takes n*d/b on the wire). */
  blockBytes: number;
  /** Most bytes queued on one directed link before new messages are dropped ("queue-full"). */
  queueLimitBytes: number;
  /** A link that is down drops everything ("link-down"). */
  up: boolean;
}

/** Overrides for the link between two DCs (both directions unless `oneWay`); `from === to` is the intra-DC link. */
export interface LinkOverride {
  from: string;
  to: string;
  oneWay: boolean;
  spec: LinkSpec;
}

export type PartitionSpec =
  /** Nodes in different groups cannot talk (both directions). Group members are node ids (DC names are expanded). */
  | { kind: "symmetric"; groups: NodeId[][] }
  /** Messages from `from` to `to` are dropped; the other direction works. */
  | { kind: "oneway"; from: NodeId[]; to: NodeId[] }
  /** The two sides cannot talk to each other, but `bridge` talks to both. */
  | { kind: "bridge"; sides: [NodeId[], NodeId[]]; bridge: NodeId }
  /** Datacenter `dc` is cut off from every other DC (inside it, nodes still talk). */
  | { kind: "isolate-dc"; dc: string };

export type FaultAction =
  /**
   * With `point: "before-sync"` the crash is armed at `atMicros` and happens inside the node's next step that calls
   * sync(), in place of that sync: what the step persisted since its last sync is lost, and nothing it does after
   * (sends, timers, replies) happens. Absent: the crash happens at once.
   */
  | { action: "crash"; node: NodeId; restartAfterMicros: Micros | null; point?: CrashPoint }
  | { action: "restart"; node: NodeId }
  | { action: "partition"; id: string; spec: PartitionSpec; healAfterMicros: Micros | null }
  | { action: "heal"; id: string | null }
  | { action: "link"; from: string; to: string; oneWay: boolean; change: Partial<LinkSpec> }
  | { action: "clock"; node: NodeId; offsetMicros: Micros | null; driftPpm: number | null }
  | { action: "disk"; node: NodeId; fault: DiskFaultKind; key: string | null }
  /**
   * Crash the lowest-indexed live node whose view has `role` at fault time (none: nothing happens, and
   * metrics.roleFaultsMissed counts it).
   */
  | { action: "crash-role"; role: string; restartAfterMicros: Micros | null; point?: CrashPoint }
  /** Cut the lowest-indexed live node whose view has `role` at fault time off from every other node. */
  | { action: "isolate-role"; role: string; id: string; healAfterMicros: Micros | null };

export type ScheduledFault = { atMicros: Micros } & FaultAction;

/** Where inside a step a crash can happen: "before-sync" (between a persist and its sync). */
export type CrashPoint = "before-sync";

export type RandomPartitionKind = "split" | "oneway" | "bridge" | "isolate-dc";

/** Random faults drawn from the `faults` stream. Rates are per second of virtual time. */
export interface RandomFaults {
  /** Expected crashes per node per second. */
  crashRate: number;
  restartAfterMinMicros: Micros;
  restartAfterMaxMicros: Micros;
  /** Expected random partitions per second (a random split of the nodes into two groups). */
  partitionRate: number;
  partitionDurationMinMicros: Micros;
  partitionDurationMaxMicros: Micros;
  /** Expected clock jumps per node per second, of up to +-clockSkewMaxMicros. */
  clockSkewRate: number;
  clockSkewMaxMicros: Micros;
  /** Expected disk faults per node per second (kind drawn uniformly from the enabled kinds). */
  diskFaultRate: number;
  diskFaultKinds: DiskFaultKind[];
  /**
   * Shapes of random partitions, one drawn per partition: "split" (two groups), "oneway" (one group cannot reach the
   * other), "bridge" (one node talks to both sides of a split), "isolate-dc" (a datacenter cut off). Absent: splits
   * only (the draws of a scenario that does not set it are those of a split-only engine).
   */
  partitionKinds?: RandomPartitionKind[];
  /** Random faults stop at this time, so liveness can be checked after it. null: they run to the end. */
  stopAtMicros: Micros | null;
  /**
   * Most nodes down at once, counting those a scheduled crash took down: a random crash that would take one more is
   * skipped (keeps a quorum alive if set to a minority).
   */
  maxDown: number;
}

export interface Workload {
  /** Number of clients. Each runs one operation at a time (a Jepsen "process"). */
  clients: number;
  /** DCs clients are placed in, round robin. Empty: all DCs. */
  placement: string[];
  /** Operations per second per client (exponential think time between ops). 0: no workload. */
  ratePerClient: number;
  /** Relative weights of the operation kinds. */
  mix: { read: number; write: number; cas: number; append: number };
  /** Number of distinct keys ("k0".."k{n-1}"). */
  keys: number;
  /** A client gives up on an op after this long and records it as `info` (indeterminate). */
  timeoutMicros: Micros;
  /** Most times a client follows a redirect for one op before recording it as `fail`. */
  maxRedirects: number;
  /** Where a client sends a new op: a random node, or the last leader it heard of. */
  target: "random" | "leader" | "local";
  startMicros: Micros;
  /** Clients stop issuing new ops at this time (null: run to the end). */
  stopMicros: Micros | null;
}

export interface LivenessCheck {
  /** Progress condition names: the protocol's `progress` conditions, plus the built-in "client-ok". */
  require: string[];
  /** Each must hold within this long after the last fault heals (or after start if there is none). */
  windowMicros: Micros;
}

export interface Checks {
  /** Invariant names to run ("*" for all the protocol declares). */
  invariants: string[];
  /** Check the client history for linearizability at the end of the run. */
  linearizability: boolean;
  liveness: LivenessCheck | null;
  /** Stop the run at the first violation (default) or record and continue. */
  stopOnViolation: boolean;
}

export interface ResolvedScenario {
  name: string;
  description: string;
  /** The scenario file's seed (the CLI's --seed overrides it). */
  seed: number | string;
  durationMicros: Micros;
  /**
   * Every option the protocol declares, with its default where the file does not set it (when loaded with a registry).
   */
  protocol: { name: string; options: Record<string, unknown> };
  bugs: string[];
  topology: { datacenters: { name: string; nodes: NodeId[] }[] };
  network: {
    intraDc: LinkSpec;
    interDc: LinkSpec;
    links: LinkOverride[];
  };
  workload: Workload;
  faults: { schedule: ScheduledFault[]; random: RandomFaults | null };
  checks: Checks;
  limits: { maxEvents: number; maxPending: number };
  trace: { enabled: boolean; recordMessages: boolean };
}

/**
 * Partitions started by random faults are named random-1, random-2, ...: scheduled partitions may not use the prefix.
 */
export const RANDOM_PARTITION_PREFIX = "random-";

/** The id of client i (0-based), in the trace and the history: c1, c2, ... */
export function clientName(i: number): string {
  return `c${i + 1}`;
}

/** Is `name` the id of one of `clients` clients (c1..cN)? A node may not be named so. */
export function isClientName(name: string, clients: number): boolean {
  const m = /^c([1-9][0-9]*)$/.exec(name);
  return m !== null && Number(m[1]) <= clients;
}
