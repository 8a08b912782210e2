import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { multiMasterBugs } from "./bugs.ts";
import { caughtUp, converged } from "./convergence.ts";
import { multiMasterInvariants } from "./invariants.ts";
import type { MultiMasterMsg } from "./messages.ts";
import { createMultiMaster, type MultiMasterState, stepMultiMaster } from "./node.ts";
import { multiMasterMetrics, multiMasterObservers } from "./observer.ts";
import { type MultiMasterOptions, multiMasterOptions } from "./options.ts";

/**
 * Master-master replication: every node accepts reads and writes locally and ships its own writes asynchronously to
 * every other node, in order, batched, re-sent from what each peer acknowledged. Concurrent writes to a key are
 * resolved by last-writer-wins on hybrid logical clocks, or kept as siblings by version vectors (docs/replication.md).
 */
export const multiMaster: Protocol<MultiMasterState, MultiMasterMsg, KvOp, MultiMasterOptions> = {
  name: "multimaster",
  description: "Master-master replication: writes accepted everywhere, async replication, LWW (HLC) or siblings (VV).",
  options: multiMasterOptions,
  create: createMultiMaster,
  step: stepMultiMaster,
  view: (s) => ({
    role: s.damaged ? "damaged" : "master",
    hlc: `${s.clock.wall}.${s.clock.logical}`,
    written: s.log.length,
    keys: s.store.size,
    siblings: [...s.store.values()].filter((v) => v.length > 1).length,
  }),
  viewHints: {},
  messageSize: (m) =>
    m.type === "replicate" ? 48 + m.updates.reduce((n, u) => n + 64 + u.key.length + u.value.length, 0) : 48,
  messageType: (m) => m.type,
  invariants: multiMasterInvariants,
  progress: [
    {
      name: "converged",
      description: "Every node is up, holds every write of every origin, and all hold the same versions.",
      holds: (ctx) => converged(ctx),
    },
    {
      name: "caught-up",
      description:
        "Every node is up and holds every write its origin had accepted two retry ticks ago (holds under load).",
      holds: (ctx) => caughtUp(ctx),
    },
  ],
  metrics: multiMasterMetrics,
  observers: multiMasterObservers,
  roles: ["master"],
  bugs: multiMasterBugs,
};
