import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { AcceptedSlot, Cmd, PaxosMsg } from "./messages.ts";
import { followLeader, noteBallot, supersededBy } from "./proposer.ts";
import { noteHint, type PaxosState, sendTo } from "./state.ts";
import { persistAccepted, persistPromise } from "./storage.ts";

type Prepare = Extract<PaxosMsg, { type: "prepare" }>;
type Accept = Extract<PaxosMsg, { type: "accept" }>;

/**
 * Phase 1b. Promise `ballot` if it is at least the promised one (a repeated prepare of the same ballot is answered
 * again: ballots are unique, so it is the same proposer), reporting every accepted value from slot `from` on. The
 * promise is synced before the reply. With a lease, an acceptor that heard the leader recently refuses the others.
 */
export function onPrepare(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, m: Prepare): void {
  if (!s.isAcceptor || s.damaged) return;
  noteBallot(s, m.ballot);
  const leased =
    s.o.leaseMicros > 0 &&
    s.leader !== null &&
    s.leader !== from &&
    m.ballot > s.promised &&
    ctx.now() - s.lastLeaderContact < s.o.leaseMicros;
  if (m.ballot < s.promised || leased) {
    sendTo(s, ctx, from, { type: "nack", ballot: m.ballot, promised: s.promised });
    return;
  }
  if (m.ballot > s.promised) {
    s.promised = m.ballot;
    persistPromise(s, ctx);
    ctx.sync();
    supersededBy(s, ctx, m.ballot);
  }
  const accepted: AcceptedSlot[] = [];
  for (let slot = Math.max(m.from, s.minAccepted); slot <= s.maxAccepted; slot++) {
    const v = s.accValue[slot];
    if (v !== undefined) accepted.push(Object.freeze([slot, s.accBallot[slot] as number, v] as const));
  }
  sendTo(s, ctx, from, {
    type: "promise",
    ballot: m.ballot,
    from: m.from,
    accepted: Object.freeze(accepted),
    chosenThrough: s.chosenThrough,
  });
}

/**
 * Phase 2b. Accept the values if `ballot` is at least the promised one; persist the slots that changed, sync, and
 * tell every learner. An accept also says who leads (multi mode).
 */
export function onAccept(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, m: Accept): void {
  noteHint(s, from, m.chosenThrough);
  if (!s.isAcceptor || s.damaged) return;
  noteBallot(s, m.ballot);
  if (m.ballot < s.promised) {
    sendTo(s, ctx, from, { type: "nack", ballot: m.ballot, promised: s.promised });
    return;
  }
  if (m.ballot > s.promised) {
    s.promised = m.ballot;
    persistPromise(s, ctx);
    supersededBy(s, ctx, m.ballot);
  }
  followLeader(s, ctx, from, m.ballot);
  storeAccepted(s, ctx, m);
  ctx.sync();
  for (const n of s.nodes) sendTo(s, ctx, n, { type: "accepted", ballot: m.ballot, start: m.start, values: m.values });
}

/** Record the accepted values in memory and persist each run of slots that changed. */
function storeAccepted(s: PaxosState, ctx: NodeContext<PaxosMsg>, m: Accept): void {
  const values = m.values;
  let runStart = -1;
  for (let k = 0; k <= values.length; k++) {
    const slot = m.start + k;
    const v = values[k];
    const changed = v !== undefined && !(s.accBallot[slot] === m.ballot && s.accValue[slot]?.id === v.id);
    if (changed) {
      s.accBallot[slot] = m.ballot;
      s.accValue[slot] = v;
      if (slot > s.maxAccepted) s.maxAccepted = slot;
      if (s.minAccepted === 0 || slot < s.minAccepted) s.minAccepted = slot;
      if (runStart < 0) runStart = k;
      continue;
    }
    if (runStart < 0) continue;
    const run: readonly Cmd[] = runStart === 0 && k === values.length ? values : values.slice(runStart, k);
    persistAccepted(ctx, m.start + runStart, m.ballot, run);
    runStart = -1;
  }
}
