import type { NodeContext } from "../../sim/core/protocol.ts";
import type { Decision } from "../commit/messages.ts";
import { dueNow } from "../commit/node.ts";
import { applyDecision, decisionWithoutVote, type ParticipantRules, voteNoAfterWait } from "../commit/participant.ts";
import type { TwoPcMsg } from "./messages.ts";
import type { PartTxn, TwoPcState } from "./state.ts";

type Ctx = NodeContext<TwoPcMsg>;

/** A yes vote makes a transaction "prepared": it waits for the decision, then asks the coordinator until it hears. */
export const participantRules: ParticipantRules<PartTxn> = {
  votedYes: "prepared",
  // Written out field by field, in one order for every record (a spread copy makes slow objects of its own shape).
  newTxn: (t) => ({
    txn: t.txn,
    key: t.key,
    op: t.op,
    participants: t.participants,
    phase: t.phase,
    value: t.value,
    dueMicros: t.dueMicros,
    asking: false,
  }),
  awaitDecision: (s, t, ctx) => {
    t.dueMicros = ctx.now() + s.o.decisionTimeoutMicros;
    s.active.add(t.txn);
  },
  record: (t) => ({ txn: t.txn, key: t.key, op: t.op, participants: [...t.participants], value: t.value }),
  // In doubt after a restart: hold the lock again and ask the coordinator at once.
  reload: (r) => ({
    txn: r.txn,
    key: r.key,
    op: r.op,
    participants: r.participants,
    phase: "prepared",
    value: r.value,
    dueMicros: 0,
    asking: false,
  }),
};

/** COMMIT / ABORT from the coordinator: apply it durably (once), release the lock, acknowledge. */
export function onDecision(s: TwoPcState, from: string, txn: string, decision: Decision, ctx: Ctx): void {
  if (from !== s.coordinator) return;
  const t = s.ptxns.get(txn);
  if (t === undefined || t.phase === "waiting") {
    if (!decisionWithoutVote(participantRules, s, t, txn, decision, ctx)) return;
  } else if (t.phase === "prepared") finish(s, t, decision, ctx);
  else if (t.phase !== decision)
    ctx.note(`coordinator says ${decision} for transaction ${txn}, decided ${t.phase} here: kept`, { txn });
  ctx.send(from, { type: "ack", txn });
}

function finish(s: TwoPcState, t: PartTxn, decision: Decision, ctx: Ctx): void {
  t.asking = false;
  applyDecision(participantRules, s, t, decision, ctx);
}

/** Timeouts: a lock wait ends in a no vote; a prepared participant asks for the outcome. */
export function participantTick(s: TwoPcState, ctx: Ctx): void {
  for (const t of dueNow(s.active, s.ptxns, ctx.now())) {
    if (t.phase === "waiting") voteNoAfterWait(s, t, ctx);
    else if (t.phase === "prepared") inDoubt(s, t, ctx);
  }
}

/** Past its decision timeout a prepared participant may not decide alone: it asks the coordinator, again and again. */
function inDoubt(s: TwoPcState, t: PartTxn, ctx: Ctx): void {
  if (s.bug.participantAbortAfterYes) {
    ctx.note(`no decision for ${t.txn} after voting yes: aborting unilaterally`, { txn: t.txn });
    return finish(s, t, "abort", ctx);
  }
  t.asking = true;
  t.dueMicros = ctx.now() + s.o.retryMicros;
  ctx.send(s.coordinator, { type: "outcome-req", txn: t.txn });
}
