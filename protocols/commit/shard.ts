import type { NodeId } from "../../sim/core/types.ts";
import { ringOf } from "../kv/ring.ts";

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
export function replicasOf(
  key: string,
  participants: readonly NodeId[],
  replicas: number,
  placement: "mod" | "ring" = "mod",
  vnodes = 64,
): NodeId[] {
  if (placement === "ring") return ringReplicas(key, participants, replicas, vnodes);
  const n = participants.length;
  const r = Math.max(1, Math.min(replicas, n));
  const start = keyHash(key) % n;
  const picked: number[] = [];
  for (let k = 0; k < r; k++) picked.push((start + k) % n);
  return picked.sort((a, b) => a - b).map((i) => participants[i] as NodeId);
}

/** The key's owners on a consistent-hash ring of the participants (protocols/kv/ring.ts), in topology order. */
function ringReplicas(key: string, participants: readonly NodeId[], replicas: number, vnodes: number): NodeId[] {
  const owners = ringOf(participants, vnodes).owners(key, Math.max(1, Math.min(replicas, participants.length)));
  return owners.sort((a, b) => participants.indexOf(a) - participants.indexOf(b));
}
