import { assert } from "../core/assert.ts";
import type { NodeId } from "../core/types.ts";
import { clientName, type ResolvedScenario } from "../scenario/resolved.ts";

/**
 * Endpoints of the simulated network: nodes first (indices 0..nodeCount-1, in topology order), then clients
 * (indices nodeCount..). Every endpoint sits in a datacenter.
 */
export class Topology {
  readonly dcNames: string[];
  readonly nodeIds: NodeId[] = [];
  readonly clientIds: string[] = [];
  /** dcOfEndpoint[e] = index into dcNames. */
  readonly dcOfEndpoint: Int32Array;
  private readonly nodeIndex = new Map<NodeId, number>();

  constructor(scenario: ResolvedScenario) {
    const dcs = scenario.topology.datacenters;
    this.dcNames = dcs.map((d) => d.name);
    const placement = scenario.workload.placement.length > 0 ? scenario.workload.placement : this.dcNames;
    const dcOf: number[] = [];
    dcs.forEach((dc, d) => {
      for (const id of dc.nodes) {
        assert(!this.nodeIndex.has(id), () => `node ${id} appears twice in the topology`);
        this.nodeIndex.set(id, this.nodeIds.length);
        this.nodeIds.push(id);
        dcOf.push(d);
      }
    });
    assert(this.nodeIds.length > 0, "a topology needs at least one node");
    for (let c = 0; c < scenario.workload.clients; c++) {
      this.clientIds.push(clientName(c));
      const dc = placement[c % placement.length] as string;
      const d = this.dcNames.indexOf(dc);
      assert(d >= 0, () => `client placement names unknown datacenter ${dc}`);
      dcOf.push(d);
    }
    this.dcOfEndpoint = Int32Array.from(dcOf);
    assert(
      this.dcOfEndpoint.length === this.endpointCount && this.nodeIndex.size === this.nodeIds.length,
      () => `topology: ${this.dcOfEndpoint.length} endpoint DCs for ${this.endpointCount} endpoints`,
    );
  }

  get nodeCount(): number {
    return this.nodeIds.length;
  }

  get endpointCount(): number {
    return this.nodeIds.length + this.clientIds.length;
  }

  indexOf(node: NodeId): number {
    const i = this.nodeIndex.get(node);
    if (i === undefined) assert(false, `unknown node ${node}`); // hot path: build no closure when it holds
    return i;
  }

  has(node: NodeId): boolean {
    return this.nodeIndex.has(node);
  }

  dcIndex(name: string): number {
    const d = this.dcNames.indexOf(name);
    assert(d >= 0, () => `unknown datacenter ${name}`);
    return d;
  }

  dcName(endpoint: number): string {
    return this.dcNames[this.dcOfEndpoint[endpoint] as number] as string;
  }

  endpointName(e: number): string {
    return e < this.nodeIds.length ? (this.nodeIds[e] as string) : (this.clientIds[e - this.nodeIds.length] as string);
  }

  /** Node indices in datacenter `dc`. */
  nodesIn(dc: string): number[] {
    const d = this.dcIndex(dc);
    const out: number[] = [];
    for (let i = 0; i < this.nodeIds.length; i++) if (this.dcOfEndpoint[i] === d) out.push(i);
    return out;
  }
}
