import { HashRing, hash53 } from "../../protocols/kv/ring.ts";
import type { BenchRun, BenchWorkload } from "../types.ts";

/**
 * `ring-lookup`: the consistent-hash ring's hot path without the engine. A 16-node ring with 128 vnodes each (2,048
 * points) answers owners(key, 3) for 500,000 distinct keys (a binary search and a walk to 3 distinct nodes each); the
 * "events" column counts lookups, so its events/s is lookups per second. The note gives how evenly the keys fell.
 */
export function runRingLookup(lookups = 500_000): BenchRun {
  const nodes = Array.from({ length: 16 }, (_, i) => `n${i + 1}`);
  const ring = new HashRing(nodes, 128);
  const perNode = new Map<string, number>();
  let check = 0;
  for (let i = 0; i < lookups; i++) {
    const owners = ring.owners(`key-${i}`, 3);
    const p = owners[0] as string;
    perNode.set(p, (perNode.get(p) ?? 0) + 1);
    check ^= hash53(owners[2] as string) & 0xff;
  }
  const shares = [...perNode.values()];
  const mean = lookups / nodes.length;
  const spread = (Math.max(...shares) - Math.min(...shares)) / mean;
  return {
    events: lookups,
    simulatedMicros: 0,
    traceEvents: 0,
    clientOps: 0,
    note: `ring-lookup: primaries per node within ${(spread * 100).toFixed(1)}% of the mean (max - min; xor ${check})`,
  };
}

export const ringLookup: BenchWorkload = { name: "ring-lookup", traced: false, runBare: () => runRingLookup() };
