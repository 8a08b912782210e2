/**
 * Topologies as fast-check arbitraries: datacenters dc1..dcK with node counts, nodes named n1..nN across them in
 * order (the scenario loader's naming). Shrinks toward one datacenter and the fewest nodes.
 */
import fc from "fast-check";

/** A topology as the scenario loader takes it. */
export interface TopologyFile {
  datacenters: { name: string; nodes: number }[];
}

export interface TopologyArbOptions {
  /** Fewest nodes in all (default 1). */
  minNodes?: number;
  /** Most nodes in all (default 5). */
  maxNodes?: number;
  /** Most datacenters (default 3). */
  maxDatacenters?: number;
}

/** Node ids of a topology, in order. */
export function nodeIdsOf(t: TopologyFile): string[] {
  const ids: string[] = [];
  for (const dc of t.datacenters) for (let k = 0; k < dc.nodes; k++) ids.push(`n${ids.length + 1}`);
  return ids;
}

/** Build a topology from per-DC counts, clamped so the total is within [minNodes, maxNodes]. */
export function placeTopology(counts: readonly number[], minNodes: number, maxNodes: number): TopologyFile {
  const datacenters: { name: string; nodes: number }[] = [];
  let total = 0;
  for (const c of counts) {
    const n = Math.min(c, maxNodes - total);
    if (n <= 0) break;
    datacenters.push({ name: `dc${datacenters.length + 1}`, nodes: n });
    total += n;
  }
  const first = datacenters[0] as { nodes: number };
  if (total < minNodes) first.nodes += minNodes - total;
  return { datacenters };
}

/** Per-DC node counts, before clamping (what scenarioArb draws and shrinks). */
export function datacenterCountsArb(o: TopologyArbOptions = {}): fc.Arbitrary<number[]> {
  const maxNodes = o.maxNodes ?? 5;
  const maxDcs = Math.max(1, Math.min(o.maxDatacenters ?? 3, maxNodes));
  return fc.array(fc.integer({ min: 1, max: maxNodes }), { minLength: 1, maxLength: maxDcs });
}

/** An arbitrary topology with between minNodes and maxNodes nodes in 1..maxDatacenters datacenters. */
export function topologyArb(o: TopologyArbOptions = {}): fc.Arbitrary<TopologyFile> {
  const minNodes = o.minNodes ?? 1;
  const maxNodes = o.maxNodes ?? 5;
  if (!(minNodes >= 1 && minNodes <= maxNodes))
    throw new Error(`topologyArb: expected 1 <= minNodes <= maxNodes, got ${minNodes} and ${maxNodes}`);
  return datacenterCountsArb(o).map((counts) => placeTopology(counts, minNodes, maxNodes));
}
