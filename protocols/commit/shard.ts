import type { NodeId } from "../../sim/core/types.ts";

/** FNV-1a over the key's UTF-16 code units: a stable, seed-independent hash. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The participants holding `key`: `replicas` consecutive participants (in topology order) starting at the key's hash,
 * so every node computes the same set. Returned in topology order.
 */
export function replicasOf(key: string, participants: readonly NodeId[], replicas: number): NodeId[] {
  const n = participants.length;
  const r = Math.max(1, Math.min(replicas, n));
  const start = keyHash(key) % n;
  const picked: number[] = [];
  for (let k = 0; k < r; k++) picked.push((start + k) % n);
  return picked.sort((a, b) => a - b).map((i) => participants[i] as NodeId);
}
