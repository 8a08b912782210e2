import type { Input, KvOp, NodeContext, NodeView } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { beginEpoch, loadCoordinator } from "../commit/coordinator.ts";
import { commitView, type Roles, stepCommitNode } from "../commit/node.ts";
import { loadParticipant, onPrepare } from "../commit/participant.ts";
import type { CommitOptions } from "../commit/options.ts";
import { newCommitState } from "../commit/state.ts";
import { coordinatorTick, flush, onAck, onOutcomeRequest, onVote } from "./coordinator.ts";
import type { TwoPcMsg } from "./messages.ts";
import { onDecision, participantRules, participantTick } from "./participant.ts";
import type { TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;

export function createTwoPc(ctx: Ctx, options: CommitOptions, bugs: ReadonlySet<string>): TwoPcState {
  const s: TwoPcState = {
    ...newCommitState(ctx, options),
    bug: {
      commitOnTimeout: bugs.has("commit-on-timeout"),
      decisionNotLogged: bugs.has("decision-not-logged"),
      participantAbortAfterYes: bugs.has("participant-abort-after-yes"),
    },
    flushPending: false,
  };
  if (s.isCoordinator) loadCoordinator(s, ctx);
  else loadParticipant(participantRules, s, ctx);
  return s;
}

function onCoordinatorMessage(s: TwoPcState, from: string, m: TwoPcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "vote":
      return onVote(s, from, m, ctx);
    case "ack":
      return onAck(s, from, m.txn, ctx);
    case "outcome-req":
      return onOutcomeRequest(s, from, m.txn, ctx);
    case "prepare":
    case "commit":
    case "abort":
      return;
    default:
      return assertNever(m, "2pc message");
  }
}

function onParticipantMessage(s: TwoPcState, from: string, m: TwoPcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "prepare":
      return onPrepare(participantRules, s, from, m, ctx);
    case "commit":
    case "abort":
      return onDecision(s, from, m.txn, m.type, ctx);
    case "vote":
    case "ack":
    case "outcome-req":
      return;
    default:
      return assertNever(m, "2pc message");
  }
}

const roles: Roles<TwoPcState, TwoPcMsg> = {
  coordinator: { start: beginEpoch, message: onCoordinatorMessage, tick: coordinatorTick, timers: { flush } },
  participant: { start: () => {}, message: onParticipantMessage, tick: participantTick },
};

export function stepTwoPc(s: TwoPcState, input: Input<TwoPcMsg, KvOp>, ctx: Ctx): void {
  stepCommitNode(roles, s, input, ctx);
}

/** Prepared transactions a participant is blocked on (past their decision timeout, asking for the outcome). */
export function blockedCount(s: TwoPcState): number {
  let n = 0;
  for (const txn of s.active) if (s.ptxns.get(txn)?.asking) n++;
  return n;
}

export function twoPcView(s: TwoPcState): NodeView {
  return commitView(s, blockedCount);
}
