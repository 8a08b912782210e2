import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { multimasterBugs } from "./bugs.ts";
import { multimasterInvariants, multimasterProgress } from "./invariants.ts";
import type { MultimasterMsg } from "./messages.ts";
import { createMultimaster, type MultimasterState, stepMultimaster } from "./node.ts";
import { multimasterMetrics, multimasterObservers } from "./observers.ts";
import { type MultimasterOptions, multimasterOptions } from "./options.ts";
import type { Version } from "./versions.ts";

const versionBytes = (v: Version): number => 40 + v.key.length + v.value.length + 12 * Object.keys(v.clock).length;

/**
 * Master-master replication: every replica accepts client writes locally, acknowledges them once durable, and ships
 * them to the others asynchronously (batched, retried, resumed from what each peer acknowledged). Concurrent writes to
 * a key are resolved by last-writer-wins on hybrid logical clocks, or kept as siblings under version vectors.
 */
export const multimaster: Protocol<MultimasterState, MultimasterMsg, KvOp, MultimasterOptions> = {
  name: "multimaster",
  description: "Master-master replication: every replica writable, async replication, lww (HLC) or siblings (VV).",
  options: multimasterOptions,
  create: createMultimaster,
  step: stepMultimaster,
  view: (s) => {
    let applied = 0;
    for (const log of s.logs.values()) applied += log.length;
    let siblings = 0;
    for (const held of s.store.values()) if (held.length > 1) siblings++;
    return {
      role: s.damaged ? "damaged" : "master",
      applied,
      keys: s.store.size,
      conflicts: s.conflicts,
      siblingKeys: siblings,
    };
  },
  messageSize: (m) =>
    m.type === "replicate"
      ? 32 + m.updates.reduce((n, v) => n + versionBytes(v), 0)
      : 32 + 12 * Object.keys(m.applied).length,
  messageType: (m) => m.type,
  invariants: multimasterInvariants,
  progress: multimasterProgress,
  metrics: multimasterMetrics,
  observers: multimasterObservers,
  roles: ["master"],
  bugs: multimasterBugs,
};
