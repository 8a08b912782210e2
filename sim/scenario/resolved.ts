/**
 * A scenario after loading, validation and resolution of defaults: every duration in integer microseconds, every
 * size in bytes, every optional field filled in. This is what the engine runs and what the trace header records, so
 * a trace alone can be re-run.
 *
 * One zod schema is the shape: the types below are derived from it (z.infer), and `replay` checks a trace header's
 * scenario with it (ResolvedScenarioSchema: the shape, then the cross-references of checkResolvedScenario). The
 * scenario file schema (schema.ts) is separate: it reads user text (units, defaults) and its messages name the file's
 * fields; resolve.ts turns its output into this shape. Browser-safe.
 */
import { z } from "zod";
import { LIMITS } from "../core/limits.ts";
import { MAX_DRIFT_PPM } from "../core/units.ts";

/** Largest clock offset or skew a scenario may set: an hour either way. */
export const MAX_CLOCK_SKEW_MICROS = 3_600_000_000;

/** Disk fault kinds a scenario can inject (and the trace's `disk` event records). */
/** lying-fsync: from then until the node's next crash, sync() acknowledges without making anything durable. */
export const DISK_FAULT_KINDS = ["lose-unsynced", "torn-write", "corrupt", "lying-fsync"] as const;
export type DiskFaultKind = (typeof DISK_FAULT_KINDS)[number];

/** Virtual times and durations: whole microseconds, at least 0, exactly representable. */
const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const positiveMicros = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const probability = z.number().min(0).max(1);
const rate = z.number().min(0).finite();
const positive = z.number().positive().finite();
const name = z.string().min(1);
const diskFault = z.enum(DISK_FAULT_KINDS);
/** Where inside a step a crash can happen: "before-sync" (between a persist and its sync). */
const crashPoint = z.literal("before-sync");
export type CrashPoint = z.infer<typeof crashPoint>;
export const RANDOM_PARTITION_KINDS = ["split", "oneway", "bridge", "isolate-dc"] as const;
export type RandomPartitionKind = (typeof RANDOM_PARTITION_KINDS)[number];

const latency = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), valueMicros: micros }),
  z.object({ kind: z.literal("uniform"), minMicros: micros, maxMicros: micros }),
  z.object({ kind: z.literal("normal"), meanMicros: micros, stddevMicros: micros }),
  z.object({ kind: z.literal("lognormal"), medianMicros: micros, sigma: positive }),
  z.object({ kind: z.literal("pareto"), scaleMicros: micros, shape: positive, capMicros: micros }),
]);

const linkShape = {
  latency,
  loss: probability,
  duplicate: probability,
  bandwidthBytesPerSecond: positive.nullable(),
  blockBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  queueLimitBytes: count,
  up: z.boolean(),
  /** All endpoint pairs across this directed DC link share one bandwidth queue (absent/false: one per pair). */
  shared: z.boolean().optional(),
};
const link = z.object(linkShape);

const nodes = z.array(name);
const partition = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("symmetric"), groups: z.array(nodes) }),
  z.object({ kind: z.literal("oneway"), from: nodes, to: nodes }),
  z.object({ kind: z.literal("bridge"), sides: z.tuple([nodes, nodes]), bridge: name }),
  z.object({ kind: z.literal("isolate-dc"), dc: name }),
]);

const at = { atMicros: micros };
const scheduledFault = z.discriminatedUnion("action", [
  /**
   * With `point: "before-sync"` the crash is armed at `atMicros` and happens inside the node's next step that calls
   * sync(), in place of that sync: what the step persisted since its last sync is lost, and nothing it does after
   * (sends, timers, replies) happens. Absent: the crash happens at once.
   */
  z.object({
    ...at,
    action: z.literal("crash"),
    node: name,
    restartAfterMicros: micros.nullable(),
    point: crashPoint.optional(),
  }),
  z.object({ ...at, action: z.literal("restart"), node: name }),
  z.object({ ...at, action: z.literal("partition"), id: name, spec: partition, healAfterMicros: micros.nullable() }),
  z.object({ ...at, action: z.literal("heal"), id: name.nullable() }),
  z.object({ ...at, action: z.literal("link"), from: name, to: name, oneWay: z.boolean(), change: link.partial() }),
  z.object({
    ...at,
    action: z.literal("clock"),
    node: name,
    offsetMicros: z.number().int().nullable(),
    driftPpm: z.number().finite().nullable(),
  }),
  z.object({ ...at, action: z.literal("disk"), node: name, fault: diskFault, key: z.string().nullable() }),
  /**
   * Crash the lowest-indexed live node whose view has `role` at fault time (none: nothing happens, and
   * metrics.roleFaultsMissed counts it).
   */
  z.object({
    ...at,
    action: z.literal("crash-role"),
    role: name,
    restartAfterMicros: micros.nullable(),
    point: crashPoint.optional(),
  }),
  /** Cut the lowest-indexed live node whose view has `role` at fault time off from every other node. */
  z.object({ ...at, action: z.literal("isolate-role"), role: name, id: name, healAfterMicros: micros.nullable() }),
]);

const randomFaults = z.object({
  crashRate: rate,
  restartAfterMinMicros: micros,
  restartAfterMaxMicros: micros,
  partitionRate: rate,
  partitionDurationMinMicros: micros,
  partitionDurationMaxMicros: micros,
  clockSkewRate: rate,
  clockSkewMaxMicros: micros,
  diskFaultRate: rate,
  diskFaultKinds: z.array(diskFault),
  /**
   * Shapes of random partitions, one drawn per partition: "split" (two groups), "oneway" (one group cannot reach the
   * other), "bridge" (one node talks to both sides of a split), "isolate-dc" (a datacenter cut off). Absent: splits
   * only (the draws of a scenario that does not set it are those of a split-only engine).
   */
  partitionKinds: z.array(z.enum(RANDOM_PARTITION_KINDS)).min(1).optional(),
  stopAtMicros: micros.nullable(),
  maxDown: count,
});

const workload = z.object({
  clients: count,
  placement: z.array(name),
  ratePerClient: rate,
  mix: z.object({ read: rate, write: rate, cas: rate, append: rate }),
  keys: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  timeoutMicros: positiveMicros,
  maxRedirects: count,
  target: z.enum(["random", "leader", "local"]),
  startMicros: micros,
  stopMicros: micros.nullable(),
});

const linkOverride = z.object({ from: name, to: name, oneWay: z.boolean(), spec: link });

/**
 * A stretch of a run that a window check looks at: fixed times, the life of a partition (by its id: from the
 * partition to its heal), or a node's first crash in the schedule (to its restart). Faults are looked up in the run's
 * own schedule when the run starts, so a shrunk or edited schedule moves the window with its fault.
 */
const windowRef = z.union([
  z.object({ fromMicros: micros, toMicros: micros }),
  z.object({ fault: name }),
  z.object({ crash: name }),
]);

const liveness = z.object({
  /** Progress condition names: the protocol's `progress` conditions, plus the built-ins "client-ok" and
   * "client-ok-write". */
  require: z.array(name),
  windowMicros: micros,
  /** Windows during faults in which progress must still be seen at least every windowMicros (absent: none). */
  during: z.array(windowRef).optional(),
});

/** A window in which none of `require` may happen (a majority down: nothing may commit). */
const nothingCommits = z.object({ window: windowRef, require: z.array(name).min(1) });

const checks = z.object({
  /** Invariant names to run ("*" for all the protocol declares). */
  invariants: z.array(name),
  /** Check the client history for linearizability at the end of the run. */
  linearizability: z.boolean(),
  /**
   * The linearizability search's budget in states (absent: the checker's default). Past it the verdict is "unknown",
   * which a run reports as inconclusive, never as a pass.
   */
  linearizabilityMaxStates: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  liveness: liveness.nullable(),
  /** Windows in which nothing may commit (absent: none; only set when a file has some, so others stay as they were). */
  nothingCommits: z.array(nothingCommits).optional(),
  /** Stop the run at the first violation (default) or record and continue. */
  stopOnViolation: z.boolean(),
});

const ResolvedScenarioShape = z.object({
  name: z.string(),
  description: z.string(),
  seed: z.union([z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), z.string()]),
  durationMicros: positiveMicros,
  protocol: z.object({ name, options: z.record(z.string(), z.unknown()) }),
  bugs: z.array(name),
  topology: z.object({ datacenters: z.array(z.object({ name, nodes: z.array(name).min(1) })).min(1) }),
  network: z.object({
    intraDc: link,
    interDc: link,
    links: z.array(linkOverride),
  }),
  workload,
  faults: z.object({ schedule: z.array(scheduledFault), random: randomFaults.nullable() }),
  checks,
  limits: z.object({
    maxEvents: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    maxPending: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  }),
  trace: z.object({ enabled: z.boolean(), recordMessages: z.boolean() }),
});

/** exp(N(ln median, sigma^2)) for lognormal; scale * U^(-1/shape), capped at capMicros, for pareto. */
export type LatencyDist = z.infer<typeof latency>;
/**
 * One link: loss and duplicate are probabilities in [0, 1]; bandwidthBytesPerSecond null is unlimited (messages queue
 * behind each other on a link, in blocks of blockBytes: n blocks of d bytes take n*d/b on the wire); queueLimitBytes
 * is the most bytes queued on one directed link before new messages are dropped ("queue-full"); a link that is not
 * `up` drops everything ("link-down").
 */
export type LinkSpec = z.infer<typeof link>;
/** Overrides for the link between two DCs (both directions unless `oneWay`); `from === to` is the intra-DC link. */
export type LinkOverride = z.infer<typeof linkOverride>;
/**
 * symmetric: nodes in different groups cannot talk (DC names are expanded to node ids); oneway: messages from `from`
 * to `to` are dropped; bridge: the two sides cannot talk to each other, but `bridge` talks to both; isolate-dc: `dc`
 * is cut off from every other DC.
 */
export type PartitionSpec = z.infer<typeof partition>;
export type ScheduledFault = z.infer<typeof scheduledFault>;
export type FaultAction = DistributiveOmit<ScheduledFault, "atMicros">;
/**
 * Random faults drawn from the `faults` stream. Rates are per second of virtual time (crashes and clock jumps and disk
 * faults per node). Random faults stop at stopAtMicros (null: never), so liveness can be checked after it. maxDown is
 * the most nodes down at once, counting those a scheduled crash took down: a random crash that would take one more is
 * skipped.
 */
export type RandomFaults = z.infer<typeof randomFaults>;
/**
 * Clients each run one operation at a time (a Jepsen "process"), placed in `placement` DCs round robin (empty: all);
 * ratePerClient 0 is no workload; an op times out after timeoutMicros and is recorded as `info`.
 */
export type Workload = z.infer<typeof workload>;
/** Progress conditions that must hold within windowMicros after the last fault heals (or after start). */
export type LivenessCheck = z.infer<typeof liveness>;
export type WindowRef = z.infer<typeof windowRef>;
export type NothingCommitsCheck = z.infer<typeof nothingCommits>;
export type Checks = z.infer<typeof checks>;
export type ResolvedScenario = z.infer<typeof ResolvedScenarioShape>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The shape, then what the shape cannot say (checkResolvedScenario): one schema, one first problem to report. */
export const ResolvedScenarioSchema = ResolvedScenarioShape.superRefine((s, ctx) => {
  const problem = checkResolvedScenario(s);
  if (problem !== null) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
});

/**
 * What the shape cannot say: the cross-references and bounds a scenario file is held to (sim/scenario/resolve.ts),
 * checked again on a scenario read back from a trace header, which may have been edited. Returns the first problem,
 * as a path under the scenario and a message, or null. Without this, an edited header re-ran with a node that does
 * not exist (silently ignored), or with a billion clients (out of memory).
 */
export function checkResolvedScenario(s: ResolvedScenario): { path: (string | number)[]; message: string } | null {
  const dcs = new Set<string>();
  const nodes = new Set<string>();
  for (const [i, dc] of s.topology.datacenters.entries()) {
    if (dcs.has(dc.name))
      return { path: ["topology", "datacenters", i, "name"], message: `datacenter "${dc.name}" is declared twice` };
    dcs.add(dc.name);
  }
  for (const [i, dc] of s.topology.datacenters.entries()) {
    for (const [j, n] of dc.nodes.entries()) {
      if (nodes.has(n) || dcs.has(n))
        return { path: ["topology", "datacenters", i, "nodes", j], message: `node name "${n}" is used twice` };
      nodes.add(n);
    }
  }
  if (nodes.size > LIMITS.maxNodes)
    return { path: ["topology"], message: `expected at most ${LIMITS.maxNodes} nodes, got ${nodes.size}` };
  const clients = s.workload.clients;
  if (clients > LIMITS.maxClients)
    return { path: ["workload", "clients"], message: `expected at most ${LIMITS.maxClients} clients, got ${clients}` };
  for (const n of nodes)
    if (isClientName(n, clients)) return { path: ["topology"], message: `node name "${n}" is the name of a client` };
  if (s.limits.maxPending > LIMITS.maxPendingEvents)
    return {
      path: ["limits", "maxPending"],
      message: `expected at most ${LIMITS.maxPendingEvents}, got ${s.limits.maxPending}`,
    };
  const dc = (name: string, path: (string | number)[]) =>
    dcs.has(name) ? null : { path, message: `unknown datacenter "${name}"` };
  const node = (name: string, path: (string | number)[]) =>
    nodes.has(name) ? null : { path, message: `unknown node "${name}"` };
  const all = (names: readonly string[], path: (string | number)[]) => {
    for (const [k, n] of names.entries()) {
      const bad = node(n, [...path, k]);
      if (bad !== null) return bad;
    }
    return null;
  };
  const first = (...checks: ({ path: (string | number)[]; message: string } | null)[]) =>
    checks.find((c) => c !== null) ?? null;
  for (const [i, p] of s.workload.placement.entries()) {
    const bad = dc(p, ["workload", "placement", i]);
    if (bad !== null) return bad;
  }
  for (const [i, l] of s.network.links.entries()) {
    const bad = first(dc(l.from, ["network", "links", i, "from"]), dc(l.to, ["network", "links", i, "to"]));
    if (bad !== null) return bad;
  }
  const partitionIds = new Set<string>();
  for (const [i, f] of s.faults.schedule.entries()) {
    const at = ["faults", "schedule", i];
    let bad: { path: (string | number)[]; message: string } | null = null;
    switch (f.action) {
      case "crash":
      case "restart":
      case "disk":
        bad = node(f.node, [...at, "node"]);
        break;
      case "clock":
        bad = node(f.node, [...at, "node"]);
        if (bad === null && f.offsetMicros !== null && Math.abs(f.offsetMicros) > MAX_CLOCK_SKEW_MICROS)
          bad = {
            path: [...at, "offsetMicros"],
            message: `expected a clock offset within ${MAX_CLOCK_SKEW_MICROS}us either way`,
          };
        if (bad === null && f.driftPpm !== null && Math.abs(f.driftPpm) > MAX_DRIFT_PPM)
          bad = { path: [...at, "driftPpm"], message: `expected a drift within ${MAX_DRIFT_PPM}ppm either way` };
        break;
      case "link":
        bad = first(dc(f.from, [...at, "from"]), dc(f.to, [...at, "to"]));
        break;
      case "heal":
        if (f.id !== null && !partitionIds.has(f.id))
          bad = { path: [...at, "id"], message: `no partition "${f.id}" before this heal` };
        break;
      case "crash-role":
        break;
      case "isolate-role":
        partitionIds.add(f.id);
        break;
      case "partition": {
        partitionIds.add(f.id);
        const p = f.spec;
        const spec = [...at, "spec"];
        if (f.id.startsWith(RANDOM_PARTITION_PREFIX))
          bad = {
            path: [...at, "id"],
            message: `the "${RANDOM_PARTITION_PREFIX}" prefix is kept for random faults' partitions`,
          };
        else if (p.kind === "symmetric") bad = first(...p.groups.map((g, k) => all(g, [...spec, "groups", k])));
        else if (p.kind === "oneway") bad = first(all(p.from, [...spec, "from"]), all(p.to, [...spec, "to"]));
        else if (p.kind === "bridge")
          bad = first(
            node(p.bridge, [...spec, "bridge"]),
            all(p.sides[0], [...spec, "sides", 0]),
            all(p.sides[1], [...spec, "sides", 1]),
          );
        else bad = dc(p.dc, [...spec, "dc"]);
        break;
      }
    }
    if (bad !== null) return bad;
  }
  const windows = [
    ...(s.checks.liveness?.during ?? []).map((w, i) => ({ w, path: ["checks", "liveness", "during", i] })),
    ...(s.checks.nothingCommits ?? []).map((x, i) => ({
      w: x.window,
      path: ["checks", "nothingCommits", i, "window"],
    })),
  ];
  for (const { w, path } of windows) {
    if ("crash" in w && !nodes.has(w.crash)) return { path: [...path, "crash"], message: `unknown node "${w.crash}"` };
    if ("fromMicros" in w && w.toMicros <= w.fromMicros)
      return { path: [...path, "toMicros"], message: `expected a window's end after its start (${w.fromMicros}us)` };
  }
  const r = s.faults.random;
  if (r !== null && r.clockSkewMaxMicros > MAX_CLOCK_SKEW_MICROS)
    return { path: ["faults", "random", "clockSkewMaxMicros"], message: `expected at most ${MAX_CLOCK_SKEW_MICROS}` };
  return null;
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
