import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { paxosBugs } from "./bugs.ts";
import { paxosInvariants } from "./invariants.ts";
import type { PaxosMsg } from "./messages.ts";
import { createPaxos, paxosView, stepPaxos } from "./node.ts";
import { type PaxosOptions, paxosOptions } from "./options.ts";
import type { PaxosState } from "./state.ts";

function messageBytes(m: PaxosMsg): number {
  switch (m.type) {
    case "accept":
    case "accepted":
    case "learn-resp":
      return 48 + 64 * m.values.length;
    case "promise":
      return 48 + 72 * m.accepted.length;
    default:
      return 40;
  }
}

/** Paxos: single-decree instances per slot (basic mode), or Multi-Paxos with a stable leader, over a KV store. */
export const paxos: Protocol<PaxosState, PaxosMsg, KvOp, PaxosOptions> = {
  name: "paxos",
  description:
    "Paxos over a replicated KV store: Multi-Paxos with a stable leader, batching and a pipelining window (mode " +
    "multi), or single-decree Paxos run for each slot by any proposer (mode basic).",
  options: paxosOptions,
  create: createPaxos,
  step: stepPaxos,
  view: paxosView,
  messageSize: messageBytes,
  messageType: (m) => m.type,
  invariants: paxosInvariants,
  progress: [
    {
      name: "leader",
      description: "Multi mode: a live leader whose ballot is at least every live acceptor's promise.",
      holds: (ctx) => {
        let promised = 0;
        let leading = -1;
        for (const s of ctx.states) {
          if (s === undefined) continue;
          if (s.isAcceptor && !s.damaged) promised = Math.max(promised, s.promised);
          if (s.phase === "proposing") leading = Math.max(leading, s.ballot);
        }
        return leading >= promised;
      },
    },
  ],
  bugs: paxosBugs,
};
