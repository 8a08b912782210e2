import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { registerBugs } from "./bugs.ts";
import { registerInvariants } from "./invariants.ts";
import type { RegisterMsg } from "./messages.ts";
import { createRegister, type RegisterState, stepRegister } from "./node.ts";
import { type RegisterOptions, registerOptions } from "./options.ts";

/**
 * A key-value register served by one primary, optionally replicated to backups (primary-copy). Writes commit once
 * a majority of nodes hold them durably; reads are answered by the primary when nothing is pending, otherwise they go
 * through the log. There is no failover: while the primary is down or cut off, clients get no answer.
 */
export const register: Protocol<RegisterState, RegisterMsg, KvOp, RegisterOptions> = {
  name: "register",
  description: "A single-node or primary-copy key-value register (no failover); commits on a majority of copies.",
  options: registerOptions,
  create: createRegister,
  step: stepRegister,
  view: (s) => ({
    role: s.damaged ? "damaged" : s.isPrimary ? "primary" : "backup",
    leader: s.primary,
    commitIndex: s.isPrimary ? s.commit : s.log.length,
    logLength: s.log.length,
  }),
  viewHints: { leaderRole: "primary" },
  messageSize: (m) => (m.type === "replicate" ? 48 + 80 * m.entries.length : 48),
  messageType: (m) => m.type,
  invariants: registerInvariants,
  progress: [
    {
      name: "primary-up",
      description: "The primary is up and its disk is intact.",
      holds: (ctx) => {
        const s = ctx.states.find((x) => x !== undefined);
        if (s === undefined) return false;
        const p = ctx.nodes.indexOf(s.primary);
        const primary = ctx.states[p];
        return primary !== undefined && !primary.damaged;
      },
    },
  ],
  bugs: registerBugs,
};
