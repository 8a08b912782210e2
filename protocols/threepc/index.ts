import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { commitMessageSize } from "../commit/messages.ts";
import type { CommitOptions } from "../commit/options.ts";
import { commitProgress } from "../commit/progress.ts";
import { threePcBugs } from "./bugs.ts";
import { threePcInvariants } from "./invariants.ts";
import type { ThreePcMsg } from "./messages.ts";
import { blockedCount, createThreePc, stepThreePc, threePcView } from "./node.ts";
import { threePcOptions } from "./options.ts";
import type { ThreePcState } from "./state.ts";

/**
 * Three-phase commit over the same sharded key-value store as 2PC: a precommit round between the vote and the
 * commit, and Skeen's termination protocol, so the participants decide without a crashed coordinator. Safe under
 * crash failures with bounded delays; unsafe under partitions (docs/commit-protocols.md).
 */
export const threePc: Protocol<ThreePcState, ThreePcMsg, KvOp, CommitOptions> = {
  name: "3pc",
  description:
    "Three-phase commit with Skeen's termination protocol (non-blocking under crashes, unsafe under " +
    "partitions) over a sharded, replicated key-value store.",
  options: threePcOptions,
  create: createThreePc,
  step: stepThreePc,
  view: threePcView,
  viewHints: {
    items: { label: "transaction", id: "txn", state: "phase" },
    transactions: { id: "txn", start: "prepare", vote: "vote", voteField: "vote", decideNote: "decide" },
  },
  messageSize: commitMessageSize,
  messageType: (m) => m.type,
  invariants: threePcInvariants,
  progress: commitProgress(blockedCount),
  bugs: threePcBugs,
};
