import { assert } from "../core/assert.ts";
import type { Rng } from "../core/rng.ts";
import type { Micros, NodeId } from "../core/types.ts";
import type { FaultAction, RandomFaults, ScheduledFault } from "../scenario/resolved.ts";
import { assertNever } from "../core/types.ts";

/** Scheduler event kinds of fault injection. */

export const RANDOM_CRASH = 0;
export const RANDOM_PARTITION = 1;
export const RANDOM_CLOCK = 2;
export const RANDOM_DISK = 3;

/**
 * When a scheduled fault stops disturbing the system: crashes end at their restart, partitions at their heal, other
 * faults at the moment they happen (a partition also where a later one of its id replaces it). A crash without restart
 * or a partition that is never healed never ends (Infinity): liveness is then not checked.
 */
export function scheduleQuietAt(schedule: readonly ScheduledFault[]): Micros {
  let quiet = 0;
  // Times in schedule order (the schedule is sorted by time): a partition id may be used again after its heal, and a
  // node may crash and restart several times, so each fault ends at the first heal or restart at or after it.
  const healsOf = new Map<string, Micros[]>();
  const restartsOf = new Map<NodeId, Micros[]>();
  const healAlls: Micros[] = [];
  // A partition started under an id that is active replaces it: the earlier one ends there (the later one has its own
  // end).
  const replacedAt = new Map<ScheduledFault, Micros>();
  const lastOf = new Map<string, ScheduledFault>();
  for (const f of schedule) {
    if (f.action === "partition") {
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
  for (const f of schedule)
    quiet = Math.max(
      quiet,
      Math.min(faultEnd(f, healsOf, restartsOf, healAlls), replacedAt.get(f) ?? Number.POSITIVE_INFINITY),
    );
  return quiet;
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
    case "partition":
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

/** A random split of the nodes into two non-empty groups. */
export function randomSplit(nodes: readonly NodeId[], rng: Rng): [NodeId[], NodeId[]] {
  const shuffled = rng.shuffle([...nodes]);
  assert(shuffled.length >= 2, () => `random split of ${shuffled.length} nodes, expected at least 2`);
  const cut = 1 + rng.int(shuffled.length - 1);
  assert(cut >= 1 && cut < shuffled.length, () => `random split at ${cut} of ${shuffled.length}: a side is empty`);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}
