import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { commitInvariants } from "../commit/invariants.ts";
import { commitMessageSize } from "../commit/messages.ts";
import { type CommitOptions, twoPcOptions } from "../commit/options.ts";
import { commitProgress } from "../commit/progress.ts";
import { twoPcBugs } from "./bugs.ts";
import type { TwoPcMsg } from "./messages.ts";
import { blockedCount, createTwoPc, stepTwoPc, twoPcView } from "./node.ts";
import type { TwoPcState } from "./state.ts";

/**
 * Two-phase commit over a sharded key-value store: one coordinator, the other nodes participants; each key lives on
 * `replicas` participants and every client op is a transaction over them. Presumed abort; a prepared participant
 * blocks while the coordinator is unreachable.
 */
export const twoPc: Protocol<TwoPcState, TwoPcMsg, KvOp, CommitOptions> = {
  name: "2pc",
  description:
    "Two-phase commit (presumed abort) over a sharded, replicated key-value store: a coordinator and " +
    "participants voting under per-key locks.",
  options: twoPcOptions,
  create: createTwoPc,
  step: stepTwoPc,
  view: twoPcView,
  viewHints: {
    items: { label: "transaction", id: "txn", state: "phase" },
    transactions: { id: "txn", start: "prepare", vote: "vote", voteField: "vote", decideNote: "decide" },
  },
  messageSize: commitMessageSize,
  messageType: (m) => m.type,
  invariants: commitInvariants<TwoPcState>(),
  progress: commitProgress(blockedCount),
  bugs: twoPcBugs,
};
