import { assert } from "../core/assert.ts";
import type { Rng } from "../core/rng.ts";
import type { Micros, NodeId } from "../core/types.ts";
import type {
  FaultAction,
  PartitionSpec,
  RandomFaults,
  RandomPartitionKind,
  ScheduledFault,
  WindowRef,
} from "../scenario/resolved.ts";
import { assertNever } from "../core/types.ts";

/** Scheduler event kinds of fault injection. */

export const RANDOM_CRASH = 0;
export const RANDOM_PARTITION = 1;
export const RANDOM_CLOCK = 2;
export const RANDOM_DISK = 3;

/**
 * When a scheduled fault stops disturbing the system: crashes end at their restart, partitions at their heal, other
 * faults at the moment they happen (a partition also where a later one of its id replaces it). A partition that is
 * never healed never ends (Infinity): liveness is then not checked. So does a crash without restart, unless
 * `nodeCount` is given and the nodes crashed for good are a minority of it: the rest can make progress without them,
 * so each such crash ends when it happens (a crash by role counts as one more node).
 */
export function scheduleQuietAt(schedule: readonly ScheduledFault[], nodeCount?: number): Micros {
  let quiet = 0;
  // Times in schedule order (the schedule is sorted by time): a partition id may be used again after its heal, and a
  // node may crash and restart several times, so each fault ends at the first heal or restart at or after it. A
  // partition started under an id that is active replaces it: the earlier one ends there.
  for (let k = 1; k < schedule.length; k++) {
    const prev = schedule[k - 1] as ScheduledFault;
    const next = schedule[k] as ScheduledFault;
    assert(
      prev.atMicros <= next.atMicros,
      () => `fault schedule not sorted: ${prev.atMicros}us before ${next.atMicros}us`,
    );
  }
  const ends = faultEnds(schedule);
  const forGood = new Set<string>();
  schedule.forEach((f, k) => {
    if (ends[k] !== Number.POSITIVE_INFINITY) return;
    if (f.action === "crash") forGood.add(f.node);
    if (f.action === "crash-role") forGood.add(`role ${k}`);
  });
  const minority = nodeCount !== undefined && forGood.size > 0 && 2 * forGood.size < nodeCount;
  schedule.forEach((f, k) => {
    const crash = f.action === "crash" || f.action === "crash-role";
    quiet = Math.max(
      quiet,
      minority && crash && ends[k] === Number.POSITIVE_INFINITY ? f.atMicros : (ends[k] as number),
    );
  });
  const lastAt = schedule.length > 0 ? (schedule[schedule.length - 1] as ScheduledFault).atMicros : 0;
  assert(quiet >= lastAt, () => `faults quiet at ${quiet}us, before the last fault at ${lastAt}us`);
  return quiet;
}

/**
 * The span of a check window in a run of `endMicros`: fixed times as given (cut at the end); a partition's id from
 * its first start in the schedule to its end; a node's first crash in the schedule to its restart. A fault that never
 * ends lasts to the end of the run. Null: the schedule has no such fault (a shrunk or hand-built scenario).
 */
export function windowSpan(
  ref: WindowRef,
  schedule: readonly ScheduledFault[],
  endMicros: Micros,
): { fromMicros: Micros; toMicros: Micros } | null {
  assert(endMicros >= 0, () => `a window in a run of ${endMicros}us`);
  if ("fromMicros" in ref) return { fromMicros: ref.fromMicros, toMicros: Math.min(ref.toMicros, endMicros) };
  const k = schedule.findIndex((f) =>
    "crash" in ref
      ? f.action === "crash" && f.node === ref.crash
      : (f.action === "partition" || f.action === "isolate-role") && f.id === ref.fault,
  );
  const f = schedule[k];
  if (f === undefined) return null;
  const end = faultEnds(schedule)[k] as Micros;
  const span = { fromMicros: f.atMicros, toMicros: Math.min(end, endMicros) };
  assert(span.fromMicros <= end, () => `window from ${span.fromMicros}us ends before it starts, at ${end}us`);
  return span;
}

/** When each scheduled fault stops disturbing the system (see scheduleQuietAt; Infinity: never). */
function faultEnds(schedule: readonly ScheduledFault[]): Micros[] {
  const healsOf = new Map<string, Micros[]>();
  const restartsOf = new Map<NodeId, Micros[]>();
  const healAlls: Micros[] = [];
  const replacedAt = new Map<ScheduledFault, Micros>();
  const lastOf = new Map<string, ScheduledFault>();
  for (const f of schedule) {
    assert(f.atMicros >= 0, () => `a fault at ${f.atMicros}us`);
    if (f.action === "partition" || f.action === "isolate-role") {
      const last = lastOf.get(f.id);
      if (last !== undefined) replacedAt.set(last, f.atMicros);
      lastOf.set(f.id, f);
    }
    if (f.action === "heal") {
      if (f.id === null) healAlls.push(f.atMicros);
      else appendTime(healsOf, f.id, f.atMicros);
    }
    if (f.action === "restart") appendTime(restartsOf, f.node, f.atMicros);
  }
  const ends = schedule.map((f) =>
    Math.min(faultEnd(f, healsOf, restartsOf, healAlls), replacedAt.get(f) ?? Number.POSITIVE_INFINITY),
  );
  assert(ends.length === schedule.length, "one end per scheduled fault");
  return ends;
}

function appendTime(times: Map<string, Micros[]>, key: string, at: Micros): void {
  const list = times.get(key);
  if (list === undefined) times.set(key, [at]);
  else list.push(at);
}

/** The first of `times` at or after `at` (Infinity: none). */
function firstFrom(times: readonly Micros[] | undefined, at: Micros): Micros {
  return times?.find((t) => t >= at) ?? Number.POSITIVE_INFINITY;
}

function faultEnd(
  f: ScheduledFault,
  healsOf: Map<string, Micros[]>,
  restartsOf: Map<NodeId, Micros[]>,
  healAlls: readonly Micros[],
): Micros {
  const a: FaultAction = f;
  switch (a.action) {
    case "crash":
      return a.restartAfterMicros !== null
        ? f.atMicros + a.restartAfterMicros
        : firstFrom(restartsOf.get(a.node), f.atMicros);
    case "crash-role":
      return a.restartAfterMicros !== null ? f.atMicros + a.restartAfterMicros : Number.POSITIVE_INFINITY;
    case "partition":
    case "isolate-role":
      if (a.healAfterMicros !== null) return f.atMicros + a.healAfterMicros;
      return Math.min(firstFrom(healsOf.get(a.id), f.atMicros), firstFrom(healAlls, f.atMicros));
    case "restart":
    case "heal":
    case "link":
    case "clock":
    case "disk":
      return f.atMicros;
    default:
      return assertNever(a, "fault action");
  }
}

/** Rate (events per second) of one random fault kind, given the node count. */
export function randomRate(random: RandomFaults, kind: number, nodes: number): number {
  switch (kind) {
    case RANDOM_CRASH:
      return random.crashRate * nodes;
    case RANDOM_PARTITION:
      return random.partitionRate;
    case RANDOM_CLOCK:
      return random.clockSkewRate * nodes;
    case RANDOM_DISK:
      return random.diskFaultKinds.length > 0 ? random.diskFaultRate * nodes : 0;
    default:
      return 0;
  }
}

/** Next arrival of a Poisson process of `ratePerSecond` after `now`. */
export function nextArrival(now: Micros, ratePerSecond: number, rng: Rng): Micros {
  assert(ratePerSecond > 0, () => `random faults: rate ${ratePerSecond}/s, expected > 0`);
  const at = now + Math.max(1, Math.round(rng.exponential(1e6 / ratePerSecond)));
  assert(at > now, () => `random faults: next arrival ${at}us not after ${now}us`);
  return at;
}

/**
 * A random partition of one shape. A bridge needs three nodes and a DC isolation two datacenters; with fewer, a split
 * is drawn instead.
 */
export function randomPartition(
  kind: RandomPartitionKind,
  nodes: readonly NodeId[],
  dcs: readonly string[],
  rng: Rng,
): PartitionSpec {
  switch (kind) {
    case "split":
      return { kind: "symmetric", groups: randomSplit(nodes, rng) };
    case "oneway": {
      const [from, to] = randomSplit(nodes, rng);
      return { kind: "oneway", from, to };
    }
    case "bridge": {
      if (nodes.length < 3) return { kind: "symmetric", groups: randomSplit(nodes, rng) };
      const bridge = rng.pick(nodes);
      return {
        kind: "bridge",
        bridge,
        sides: randomSplit(
          nodes.filter((n) => n !== bridge),
          rng,
        ),
      };
    }
    case "isolate-dc":
      if (dcs.length < 2) return { kind: "symmetric", groups: randomSplit(nodes, rng) };
      return { kind: "isolate-dc", dc: rng.pick(dcs) };
    default:
      return assertNever(kind, "random partition kind");
  }
}

/** A random split of the nodes into two non-empty groups. */
export function randomSplit(nodes: readonly NodeId[], rng: Rng): [NodeId[], NodeId[]] {
  const shuffled = rng.shuffle([...nodes]);
  assert(shuffled.length >= 2, () => `random split of ${shuffled.length} nodes, expected at least 2`);
  const cut = 1 + rng.int(shuffled.length - 1);
  assert(cut >= 1 && cut < shuffled.length, () => `random split at ${cut} of ${shuffled.length}: a side is empty`);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}
