/**
 * Fault schedules as fast-check arbitraries. A fault is drawn as a template (node indices, a time as a fraction of the
 * run) and placed on a topology and a duration, so the schedule shrinks independently of the topology: toward fewer
 * faults, earlier times, shorter outages and simpler partitions. Random fault rates (`faults.random`) likewise.
 */
import fc from "fast-check";
import { nodeIdsOf, type TopologyFile } from "./topology.ts";

/** The scheduled fault kinds a schedule may draw. */
export const FAULT_KINDS = [
  "crash",
  "partition",
  "heal",
  "clock",
  "disk",
  "link",
  "crash-role",
  "isolate-role",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault as the scenario loader takes it (`faults.schedule[i]`). */
export type FaultFile = { at: string } & Record<string, unknown>;

export interface RandomFaultsFile {
  crashRate?: string;
  restartAfter: string;
  partitionRate?: string;
  partitionDuration: string;
  partitionKinds?: string[];
  clockSkewRate?: string;
  stopAt: string;
  maxDown: number;
}

export interface FaultArbOptions {
  /** Most scheduled faults (default 4). */
  maxFaults?: number;
  /** Which kinds to draw (default: every kind). */
  kinds?: readonly FaultKind[];
  /** Which disk faults a disk fault draws (default: DEFAULT_DISK_FAULTS). */
  diskFaults?: readonly ("lose-unsynced" | "torn-write" | "corrupt" | "lying-fsync")[];
}

const MAX_INDEX = 15;

/** A drawn fault before placement: indices into the topology's nodes and DCs, times in thousandths of the run. */
interface FaultTemplate {
  kind: FaultKind;
  /** When, in thousandths of the duration. */
  atPermille: number;
  node: number;
  other: number;
  /** Which nodes are on side A of a split (bit k: node k). */
  mask: number;
  /** 0 symmetric groups, 1 one-way, 2 isolate a DC, 3 bridge. */
  shape: number;
  /** How long the fault lasts, in thousandths of the duration; 0: until the end (or a later heal). */
  lengthPermille: number;
  amount: number;
}

/**
 * Disk faults drawn by default. lying-fsync is left out: it breaks the durability every protocol here assumes, so a
 * correct protocol fails under it (ask for it with `diskFaults`).
 */
export const DEFAULT_DISK_FAULTS = ["lose-unsynced", "torn-write", "corrupt"] as const;

function templateArb(kinds: readonly FaultKind[]): fc.Arbitrary<FaultTemplate> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    atPermille: fc.integer({ min: 0, max: 900 }),
    node: fc.nat({ max: MAX_INDEX }),
    other: fc.nat({ max: MAX_INDEX }),
    mask: fc.nat({ max: 0xffff }),
    shape: fc.integer({ min: 0, max: 3 }),
    lengthPermille: fc.integer({ min: 0, max: 500 }),
    amount: fc.integer({ min: 0, max: 100 }),
  });
}

/** Fault templates, to be placed with `placeFaults`. */
export function faultTemplatesArb(o: FaultArbOptions = {}): fc.Arbitrary<FaultTemplate[]> {
  const kinds = o.kinds ?? FAULT_KINDS;
  if (kinds.length === 0) return fc.constant([]);
  return fc.array(templateArb(kinds), { maxLength: o.maxFaults ?? 4 });
}

/** Split `nodes` into two non-empty groups by `mask` (falls back to the first node against the rest). */
function split(nodes: readonly string[], mask: number): [string[], string[]] {
  const a = nodes.filter((_, k) => (mask >> k) & 1);
  const b = nodes.filter((_, k) => !((mask >> k) & 1));
  if (a.length === 0 || b.length === 0) return [nodes.slice(0, 1), nodes.slice(1)];
  return [a, b];
}

function partitionOf(t: FaultTemplate, nodes: readonly string[], dcs: readonly string[]): Record<string, unknown> {
  const [a, b] = split(nodes, t.mask);
  if (t.shape === 1) return { oneway: { from: a, to: b } };
  if (t.shape === 2 && dcs.length > 1) return { isolateDc: dcs[t.node % dcs.length] };
  if (t.shape === 3 && nodes.length >= 3) {
    const bridge = nodes[t.node % nodes.length] as string;
    const rest = nodes.filter((n) => n !== bridge);
    const [x, y] = split(rest, t.mask);
    return { bridge, sides: [x, y] };
  }
  return { groups: [a, b] };
}

/** One template on a topology and a run of `durationMs`, or null when the topology cannot have it. */
function place(
  t: FaultTemplate,
  nodes: readonly string[],
  dcs: readonly string[],
  roles: readonly string[],
  durationMs: number,
  diskFaults: readonly string[],
): FaultFile | null {
  const at = `${Math.floor((durationMs * t.atPermille) / 1000)}ms`;
  const length = t.lengthPermille === 0 ? null : `${Math.max(1, Math.floor((durationMs * t.lengthPermille) / 1000))}ms`;
  const node = nodes[t.node % nodes.length] as string;
  switch (t.kind) {
    case "crash":
    case "crash-role": {
      const target = t.kind === "crash-role" && roles.length > 0 ? (roles[t.other % roles.length] as string) : node;
      // One crash in five happens inside a step, at the node's next sync.
      const point = t.amount < 20 ? { point: "before-sync" } : {};
      return { at, crash: target, ...point, ...(length === null ? {} : { restartAfter: length }) };
    }
    case "isolate-role":
      if (nodes.length < 2) return null;
      return {
        at,
        isolate: roles.length > 0 ? (roles[t.other % roles.length] as string) : node,
        ...(length === null ? {} : { healAfter: length }),
      };
    case "partition":
      if (nodes.length < 2) return null;
      return { at, partition: partitionOf(t, nodes, dcs), ...(length === null ? {} : { healAfter: length }) };
    case "heal":
      return { at, heal: "all" };
    case "clock":
      return { at, clock: node, offset: `${(t.amount - 50) * 4}ms` };
    case "disk":
      return { at, disk: node, fault: diskFaults[t.other % diskFaults.length] };
    case "link": {
      const from = dcs[t.node % dcs.length] as string;
      const to = dcs[t.other % dcs.length] as string;
      return { at, link: { between: [from, to], loss: t.amount / 200 } };
    }
  }
}

/**
 * Place templates on a topology and a run of `durationMs`. Role targets (`crash: leader`) name one of `roles`, the
 * protocol's; without roles they name a node.
 */
export function placeFaults(
  templates: readonly FaultTemplate[],
  topology: TopologyFile,
  durationMs: number,
  roles: readonly string[] = [],
  diskFaults: readonly string[] = DEFAULT_DISK_FAULTS,
): FaultFile[] {
  const nodes = nodeIdsOf(topology);
  const dcs = topology.datacenters.map((d) => d.name);
  return templates.flatMap((t): FaultFile[] => {
    const f = place(t, nodes, dcs, roles, durationMs, diskFaults.length > 0 ? diskFaults : DEFAULT_DISK_FAULTS);
    return f === null ? [] : [f];
  });
}

/** A fault schedule for a given topology and run length. */
export function faultScheduleArb(
  topology: TopologyFile,
  durationMs: number,
  o: FaultArbOptions & { roles?: readonly string[] } = {},
): fc.Arbitrary<FaultFile[]> {
  return faultTemplatesArb(o).map((ts) => placeFaults(ts, topology, durationMs, o.roles, o.diskFaults));
}

/** Random fault rates before placement on a run's length (null: no random faults). */
export interface RandomRates {
  crash: number;
  partition: number;
  clock: number;
  maxDown: number;
  /** Which partition shapes are on (bit k: SHAPES[k]); 0: splits only (the field is left out). */
  shapes: number;
}

const SHAPES = ["split", "oneway", "bridge", "isolate-dc"] as const;

/** Random fault rates (crashes, partitions, clock jumps per second); shrinks toward none at all (null). */
export function randomRatesArb(): fc.Arbitrary<RandomRates | null> {
  const rate = fc.integer({ min: 0, max: 10 }).map((k) => k / 20);
  const r = fc.record({
    crash: rate,
    partition: rate,
    clock: rate,
    maxDown: fc.integer({ min: 1, max: 2 }),
    shapes: fc.integer({ min: 0, max: 15 }),
  });
  return fc.option(r, { nil: null, freq: 3 });
}

/** `faults.random` for a run of `durationMs`: faults stop at 60% of the run, so liveness can be checked after. */
export function placeRandomFaults(x: RandomRates | null, durationMs: number): RandomFaultsFile | null {
  if (x === null) return null;
  return {
    ...(x.crash > 0 ? { crashRate: `${x.crash}/s` } : {}),
    restartAfter: "uniform(100ms, 1s)",
    ...(x.partition > 0 ? { partitionRate: `${x.partition}/s` } : {}),
    partitionDuration: "uniform(100ms, 1s)",
    ...(x.shapes === 0 ? {} : { partitionKinds: SHAPES.filter((_, k) => (x.shapes >> k) & 1) }),
    ...(x.clock > 0 ? { clockSkewRate: `${x.clock}/s` } : {}),
    stopAt: `${Math.floor(durationMs * 0.6)}ms`,
    maxDown: x.maxDown,
  };
}

/** Random fault rates for a run of `durationMs`, stopping before its end; shrinks toward none (null). */
export function randomFaultsArb(durationMs: number): fc.Arbitrary<RandomFaultsFile | null> {
  return randomRatesArb().map((x) => placeRandomFaults(x, durationMs));
}
