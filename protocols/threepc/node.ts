import type { Input, KvOp, NodeContext, NodeView } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import { beginEpoch, loadCoordinator } from "../commit/coordinator.ts";
import { commitView, type Roles, stepCommitNode } from "../commit/node.ts";
import { loadParticipant, onPrepare } from "../commit/participant.ts";
import type { CommitOptions } from "../commit/options.ts";
import { newCommitState } from "../commit/state.ts";
import {
  coordinatorTick,
  onAck,
  onForeignDecision,
  onOutcomeRequest as coordOutcome,
  onStateRequest as coordStateRequest,
  onVote,
} from "./coordinator.ts";
import type { ThreePcMsg } from "./messages.ts";
import { finish, onDecision, onPrecommit, participantRules } from "./participant.ts";
import type { PartTxn, ThreePcState } from "./state.ts";
import { onOutcomeRequest, onRecoveryAck, onState, onStateRequest, participantTick } from "./termination.ts";

type Ctx = NodeContext<ThreePcMsg>;

export function createThreePc(ctx: Ctx, options: CommitOptions, bugs: ReadonlySet<string>): ThreePcState {
  const s: ThreePcState = {
    ...newCommitState(ctx, options),
    bug: { skipPrecommit: bugs.has("skip-precommit"), independentRecovery: bugs.has("independent-recovery") },
    recovered: 0,
  };
  if (s.isCoordinator) loadCoordinator(s, ctx);
  else loadParticipant(participantRules, s, ctx);
  return s;
}

/** At (re)start. With bug independent-recovery: decide undecided transactions from the local log alone. */
function startParticipant(s: ThreePcState, ctx: Ctx): void {
  if (!s.bug.independentRecovery) return;
  for (const txn of [...s.active]) {
    const t = s.ptxns.get(txn) as PartTxn;
    if (!t.recovering) continue;
    const decision = t.phase === "precommitted" ? "commit" : "abort";
    ctx.note(`restarted ${t.phase} with ${txn} undecided: deciding ${decision} from the local log`, { txn });
    finish(s, t, decision, ctx);
  }
}

function onCoordinatorMessage(s: ThreePcState, from: string, m: ThreePcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "vote":
      return onVote(s, from, m, ctx);
    case "ack":
      return onAck(s, from, m.txn, m.of, ctx);
    case "commit":
    case "abort":
      return onForeignDecision(s, from, m.txn, m.type, ctx);
    case "state-req":
      return coordStateRequest(s, from, m.txn, ctx);
    case "outcome-req":
      return coordOutcome(s, from, m.txn, ctx);
    case "prepare":
    case "precommit":
    case "state":
      return;
    default:
      return assertNever(m, "3pc message");
  }
}

function onParticipantMessage(s: ThreePcState, from: string, m: ThreePcMsg, ctx: Ctx): void {
  switch (m.type) {
    case "prepare":
      return onPrepare(participantRules, s, from, m, ctx);
    case "precommit":
      return onPrecommit(s, from, m.txn, ctx);
    case "commit":
    case "abort":
      return onDecision(s, from, m.txn, m.type, ctx);
    case "state-req":
      return onStateRequest(s, from, m.txn, ctx);
    case "state":
      return onState(s, from, m.txn, m.state, m.recovering === true, ctx);
    case "ack":
      if (m.of === "precommit") onRecoveryAck(s, from, m.txn, ctx);
      return;
    case "outcome-req":
      return onOutcomeRequest(s, from, m.txn, ctx);
    case "vote":
      return;
    default:
      return assertNever(m, "3pc message");
  }
}

const roles: Roles<ThreePcState, ThreePcMsg> = {
  coordinator: { start: beginEpoch, message: onCoordinatorMessage, tick: coordinatorTick },
  participant: { start: startParticipant, message: onParticipantMessage, tick: participantTick },
};

export function stepThreePc(s: ThreePcState, input: Input<ThreePcMsg, KvOp>, ctx: Ctx): void {
  stepCommitNode(roles, s, input, ctx);
}

/** Undecided transactions a participant is blocked on: recovering (asking everyone) or past its first slot. */
export function blockedCount(s: ThreePcState): number {
  let n = 0;
  for (const txn of s.active) {
    const t = s.ptxns.get(txn);
    if (t !== undefined && (t.recovering || ((t.phase === "uncertain" || t.phase === "precommitted") && t.round > 0)))
      n++;
  }
  return n;
}

export function threePcView(s: ThreePcState): NodeView {
  const v = commitView(s, blockedCount);
  if (!s.isCoordinator) v.recovered = s.recovered;
  return v;
}
