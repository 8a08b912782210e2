import { assert } from "../core/assert.ts";
import type { NodeId } from "../core/types.ts";
import type { PartitionSpec } from "../scenario/resolved.ts";
import type { BlockedDirection } from "../trace/events.ts";
import { assertNever } from "../core/types.ts";
import type { Topology } from "./topology.ts";

/**
 * Active partitions as a counter matrix over directed endpoint pairs: blocked(a, b) is true while at least one
 * partition cuts a -> b. Starting or healing a partition touches only the pairs it cuts; checking a message is one
 * array read.
 */
export class Partitions {
  private readonly n: number;
  private readonly counts: Uint16Array;
  private readonly active = new Map<string, { pairs: Int32Array; blocks: BlockedDirection[]; serial: number }>();
  /** Partitions started so far: each start gets the next serial, so a later partition of the same id is told apart. */
  private started = 0;

  constructor(private readonly topology: Topology) {
    this.n = topology.endpointCount;
    this.counts = new Uint16Array(this.n * this.n);
  }

  blocked(from: number, to: number): boolean {
    return this.counts[from * this.n + to] !== 0;
  }

  has(id: string): boolean {
    return this.active.has(id);
  }

  /** The serial of the active partition `id` (-1: none is active). */
  serial(id: string): number {
    return this.active.get(id)?.serial ?? -1;
  }

  ids(): string[] {
    return [...this.active.keys()];
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Start partition `id` (replacing one of the same id). Returns the directions it blocks, for the trace. */
  start(id: string, spec: PartitionSpec): BlockedDirection[] {
    if (this.active.has(id)) this.heal(id);
    const blocks = this.directions(spec);
    const pairs: number[] = [];
    for (const dir of blocks) {
      const from = this.endpoints(dir.from, spec);
      const to = this.endpoints(dir.to, spec);
      for (const a of from) for (const b of to) if (a !== b) pairs.push(a * this.n + b);
    }
    const unique = Int32Array.from(new Set(pairs));
    for (const p of unique) {
      assert(p >= 0 && p < this.counts.length, () => `partition ${id}: endpoint pair ${p} out of range`);
      this.counts[p] = (this.counts[p] as number) + 1;
      // Uint16 counts: more overlapping partitions than that on one pair would wrap to 0 and unblock it.
      assert(this.counts[p] !== 0, () => `partition ${id}: too many partitions over one pair`);
    }
    this.active.set(id, { pairs: unique, blocks, serial: this.started++ });
    assert(this.active.has(id), () => `partition ${id} recorded as active`);
    return blocks;
  }

  /** Heal partition `id`; returns false if it was not active. */
  heal(id: string): boolean {
    const p = this.active.get(id);
    if (p === undefined) return false;
    for (const pair of p.pairs) {
      assert(this.counts[pair] !== 0, () => `partition ${id} heals pair ${pair}, which no partition blocks`);
      this.counts[pair] = (this.counts[pair] as number) - 1;
    }
    this.active.delete(id);
    assert(!this.active.has(id), () => `partition ${id} healed`);
    return true;
  }

  healAll(): string[] {
    const ids = this.ids();
    for (const id of ids) this.heal(id);
    assert(this.active.size === 0, "every partition healed");
    return ids;
  }

  private directions(spec: PartitionSpec): BlockedDirection[] {
    switch (spec.kind) {
      case "symmetric": {
        const out: BlockedDirection[] = [];
        spec.groups.forEach((g, i) => {
          spec.groups.forEach((h, j) => {
            if (i !== j) out.push({ from: g, to: h });
          });
        });
        return out;
      }
      case "oneway":
        return [{ from: spec.from, to: spec.to }];
      case "bridge": {
        const [a, b] = spec.sides;
        const sideA = a.filter((x) => x !== spec.bridge);
        const sideB = b.filter((x) => x !== spec.bridge);
        return [
          { from: sideA, to: sideB },
          { from: sideB, to: sideA },
        ];
      }
      case "isolate-dc": {
        const inside = this.topology.nodesIn(spec.dc).map((i) => this.topology.nodeIds[i] as NodeId);
        const outside = this.topology.nodeIds.filter((id) => !inside.includes(id));
        return [
          { from: inside, to: outside },
          { from: outside, to: inside },
        ];
      }
      default:
        return assertNever(spec, "partition kind");
    }
  }

  /** Endpoints of a side: its nodes, plus, for DC isolation, the clients on that side of the cut. */
  private endpoints(nodes: NodeId[], spec: PartitionSpec): number[] {
    const out = nodes.map((id) => this.topology.indexOf(id));
    assert(
      out.every((e) => e >= 0 && e < this.topology.nodeCount),
      () => `partition names an unknown node: ${nodes.join(", ")}`,
    );
    if (spec.kind === "isolate-dc") {
      const d = this.topology.dcIndex(spec.dc);
      const inside = nodes.length > 0 && this.topology.dcOfEndpoint[out[0] as number] === d;
      for (let e = this.topology.nodeCount; e < this.topology.endpointCount; e++) {
        if ((this.topology.dcOfEndpoint[e] === d) === inside) out.push(e);
      }
    }
    assert(out.length >= nodes.length, "partition endpoints include its nodes");
    return out;
  }
}
