import { assert } from "../core/assert.ts";
import { EV_HEAL, EV_RANDOM_FAULT, EV_RESTART } from "../core/eventKinds.ts";
import type { DiskFaultKind } from "../trace/events.ts";
import { RANDOM_PARTITION_PREFIX, type FaultAction, type LinkSpec } from "../scenario/resolved.ts";
import { assertNever } from "../core/types.ts";
import {
  RANDOM_CLOCK,
  RANDOM_CRASH,
  RANDOM_DISK,
  RANDOM_PARTITION,
  nextArrival,
  randomRate,
  randomSplit,
} from "./faults.ts";
import type { Rng } from "../core/rng.ts";
import type { Scheduler } from "../core/scheduler.ts";
import type { NodeId } from "../core/types.ts";
import type { LivenessWatch } from "../check/liveness.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import type { TraceSink } from "../trace/sink.ts";
import type { Network } from "./network.ts";
import type { NodeRuntime } from "./node.ts";
import type { Partitions } from "./partitions.ts";
import type { Topology } from "./topology.ts";

/** What a fault acts on: the parts of the world (simulation.ts's World) a fault changes and records. */
export interface FaultTarget {
  readonly scenario: ResolvedScenario;
  readonly scheduler: Scheduler;
  readonly topology: Topology;
  readonly partitions: Partitions;
  readonly network: Network;
  readonly nodes: NodeRuntime[];
  readonly nodeIds: NodeId[];
  readonly sink: TraceSink;
  readonly faultRng: Rng;
  readonly metrics: Record<string, number>;
  readonly liveness: LivenessWatch | null;
  randomPartitionCount: number;
  crash(i: number): void;
  boot(i: number, restart: boolean): void;
}

/** Apply one fault to the world now, and trace it. */
export function applyFault(world: FaultTarget, f: FaultAction): void {
  const now = world.scheduler.now;
  switch (f.action) {
    case "crash": {
      const i = world.topology.indexOf(f.node);
      assert(i >= 0 && i < world.nodes.length, () => `crash of unknown node ${f.node}`);
      if (!(world.nodes[i] as NodeRuntime).up) return;
      world.crash(i);
      assert(!(world.nodes[i] as NodeRuntime).up, () => `${f.node} still up after its crash`);
      if (f.restartAfterMicros !== null) {
        world.scheduler.schedule(now + f.restartAfterMicros, EV_RESTART, i, (world.nodes[i] as NodeRuntime).boots);
        world.liveness?.faultUntil(now + f.restartAfterMicros);
      }
      return;
    }
    case "restart": {
      const i = world.topology.indexOf(f.node);
      assert(i >= 0 && i < world.nodes.length, () => `restart of unknown node ${f.node}`);
      if ((world.nodes[i] as NodeRuntime).up) return;
      world.metrics.restarts = (world.metrics.restarts ?? 0) + 1;
      world.sink.restart(now, i);
      world.liveness?.faultUntil(now);
      world.boot(i, true);
      return;
    }
    case "partition": {
      const blocks = world.partitions.start(f.id, f.spec);
      world.metrics.partitions = (world.metrics.partitions ?? 0) + 1;
      world.sink.partition(now, f.id, f.spec.kind, blocks);
      if (f.healAfterMicros !== null) {
        world.scheduler.schedule(now + f.healAfterMicros, EV_HEAL, 0, world.partitions.serial(f.id), f.id);
        world.liveness?.faultUntil(now + f.healAfterMicros);
      }
      return;
    }
    case "heal": {
      const healed = f.id === null ? world.partitions.healAll().length > 0 : world.partitions.heal(f.id);
      if (!healed) return;
      world.metrics.heals = (world.metrics.heals ?? 0) + 1;
      world.sink.heal(now, f.id ?? "*");
      world.liveness?.faultUntil(now);
      return;
    }
    case "link": {
      world.network.applyLink(f.from, f.to, f.oneWay, f.change);
      world.metrics.linkChanges = (world.metrics.linkChanges ?? 0) + 1;
      world.sink.link(now, f.from, f.to, { ...f.change, oneWay: f.oneWay } as Record<string, unknown>);
      world.liveness?.faultUntil(now);
      return;
    }
    case "clock": {
      const i = world.topology.indexOf(f.node);
      const n = world.nodes[i] as NodeRuntime;
      n.clock.set(now, f.offsetMicros, f.driftPpm);
      world.metrics.clockChanges = (world.metrics.clockChanges ?? 0) + 1;
      world.sink.clock(now, i, n.clock.offsetMicros, n.clock.driftPpm);
      return;
    }
    case "disk":
      return diskFault(world, world.topology.indexOf(f.node), f.fault, f.key);
    default:
      return assertNever(f, "fault action");
  }
}

function diskFault(world: FaultTarget, i: number, fault: DiskFaultKind, key: string | null): void {
  assert(i >= 0 && i < world.nodes.length, () => `disk fault on unknown node ${key}`);
  const n = world.nodes[i] as NodeRuntime;
  let damaged: string | null = key;
  switch (fault) {
    case "lose-unsynced":
      n.disk.crash(false); // a lying write cache: unsynced writes vanish now
      break;
    case "torn-write":
      n.tornArmed = true;
      break;
    case "corrupt":
      damaged = n.disk.corrupt(key, (k) => world.faultRng.int(k));
      break;
    default:
      assertNever(fault, "disk fault");
  }
  assert(fault !== "lose-unsynced" || n.disk.unsyncedCount === 0, "lose-unsynced leaves nothing unsynced");
  world.metrics.diskFaults = (world.metrics.diskFaults ?? 0) + 1;
  world.sink.disk(world.scheduler.now, i, fault, damaged);
}

/** Schedule the first arrival of each random fault kind with a non-zero rate. */
export function startRandomFaults(world: FaultTarget): void {
  const random = world.scenario.faults.random;
  if (random === null) return;
  let active = false;
  for (const kind of [RANDOM_CRASH, RANDOM_PARTITION, RANDOM_CLOCK, RANDOM_DISK]) {
    const rate = randomRate(random, kind, world.topology.nodeCount);
    if (rate > 0) world.scheduler.schedule(nextArrival(0, rate, world.faultRng), EV_RANDOM_FAULT, kind);
    active ||= rate > 0;
  }
  // Faults stop at stopAt; random faults with no stopAt never stop, and liveness has no quiet time to check from.
  if (random.stopAtMicros !== null) world.liveness?.faultUntil(random.stopAtMicros);
  else if (active) world.liveness?.faultUntil(Number.POSITIVE_INFINITY);
}

/** A random fault of `kind` arrives: apply it (if allowed) and schedule the next one. */
export function onRandomFault(world: FaultTarget, kind: number): void {
  const random = world.scenario.faults.random;
  if (random === null) return;
  const now = world.scheduler.now;
  if (random.stopAtMicros !== null && now >= random.stopAtMicros) return;
  assert(kind >= RANDOM_CRASH && kind <= RANDOM_DISK, () => `random fault of unknown kind ${kind}`);
  const rng = world.faultRng;
  const nodes = world.nodeIds;
  switch (kind) {
    case RANDOM_CRASH: {
      // Arrivals come at crashRate for each of the N nodes; one that falls on a node already down is void, so each
      // node crashes at crashRate while it is up (picking among the up nodes gave each N/up times the rate).
      const victim = rng.pick(world.nodes);
      let down = 0;
      for (const n of world.nodes) if (!n.up) down++;
      if (victim.up && down < random.maxDown) {
        const after = Math.round(rng.range(random.restartAfterMinMicros, random.restartAfterMaxMicros));
        applyFault(world, { action: "crash", node: victim.id, restartAfterMicros: after });
      }
      break;
    }
    case RANDOM_PARTITION: {
      if (nodes.length < 2) break;
      const groups = randomSplit(nodes, rng);
      const id = `${RANDOM_PARTITION_PREFIX}${++world.randomPartitionCount}`;
      const healAfter = Math.round(rng.range(random.partitionDurationMinMicros, random.partitionDurationMaxMicros));
      applyFault(world, { action: "partition", id, spec: { kind: "symmetric", groups }, healAfterMicros: healAfter });
      break;
    }
    case RANDOM_CLOCK: {
      const node = rng.pick(nodes);
      const offset = Math.round(rng.range(-random.clockSkewMaxMicros, random.clockSkewMaxMicros));
      applyFault(world, { action: "clock", node, offsetMicros: offset, driftPpm: null });
      break;
    }
    case RANDOM_DISK: {
      const node = rng.pick(nodes);
      applyFault(world, { action: "disk", node, fault: rng.pick(random.diskFaultKinds), key: null });
      break;
    }
  }
  const rate = randomRate(random, kind, nodes.length);
  world.scheduler.schedule(nextArrival(now, rate, rng), EV_RANDOM_FAULT, kind);
}

export type { LinkSpec };
