import { applySessionCommand } from "../kv/kv.ts";
import { assert } from "../../sim/core/assert.ts";
import type { NodeContext } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import { ballotText, roundOf } from "./ballot.ts";
import type { Cmd, PaxosMsg } from "./messages.ts";
import { onLearned, startRecovery } from "./proposer.ts";
import { noteLearnedSlot } from "./slotRuns.ts";
import { noteHint, type PaxosState, sendTo } from "./state.ts";

type Accepted = Extract<PaxosMsg, { type: "accepted" }>;

/** Most values in one learn-resp. */
export const MAX_LEARN_BATCH = 512;

/** How many acceptances make a value learned: a majority of acceptors (the bug: half of them, rounded down). */
function threshold(s: PaxosState): number {
  return s.bug.learnFromMinority ? Math.max(1, Math.floor(s.acceptors.length / 2)) : s.quorum;
}

/**
 * Count an acceptor's acceptance of each slot at `ballot`; a value is learned once enough acceptors accepted it at one
 * ballot. An acceptance of another value, at a higher ballot, for a slot already learned is counted apart: if a
 * majority ever accepts it, the learned value was not the chosen one (learned-value stability).
 */
export function onAccepted(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, m: Accepted): void {
  const a = s.acceptors.indexOf(from);
  if (a < 0) return;
  const bit = 2 ** a;
  const need = threshold(s);
  for (let k = 0; k < m.values.length; k++) {
    const slot = m.start + k;
    const cmd = m.values[k] as Cmd;
    const had = s.chosen[slot];
    if (had !== undefined) {
      if (had.id !== cmd.id && m.ballot > (s.chosenBallot[slot] as number)) countConflict(s, slot, cmd, m.ballot, bit);
      continue;
    }
    let t = s.tallies.get(slot);
    if (t === undefined || m.ballot > t.ballot) {
      t = { ballot: m.ballot, mask: bit, count: 1, cmd };
      s.tallies.set(slot, t);
    } else if (m.ballot === t.ballot && t.cmd.id === cmd.id && (t.mask & bit) === 0) {
      // Ballots are unique, so one ballot carries one value per slot; the id check is a cheap safeguard.
      t.mask += bit;
      t.count++;
    } else continue;
    if (t.count >= need) learn(s, ctx, slot, t.cmd, t.ballot, t.mask);
  }
  noteHint(s, from, m.start + m.values.length - 1);
  applyChosen(s, ctx);
}

function countConflict(s: PaxosState, slot: number, cmd: Cmd, ballot: number, bit: number): void {
  let t = s.conflicts.get(slot);
  if (t === undefined || ballot > t.ballot) {
    t = { ballot, mask: bit, count: 1, cmd };
    s.conflicts.set(slot, t);
  } else if (ballot === t.ballot && (t.mask & bit) === 0) {
    t.mask += bit;
    t.count++;
  }
  if (t.count >= s.quorum && s.learnConflict === null) {
    const had = s.chosen[slot] as Cmd;
    s.learnConflict =
      `${s.id} learned ${describeCmd(had)} for slot ${slot} at ballot ` +
      `${ballotText(s.chosenBallot[slot] as number, s.nodes)} from ${acceptorsOf(s, s.chosenMask[slot] as number)}, ` +
      `then a majority (${acceptorsOf(s, t.mask)}) accepted ${describeCmd(t.cmd)} there at ballot ` +
      `${ballotText(t.ballot, s.nodes)}`;
  }
}

/** Learn `cmd` for `slot` (ballot 0 and mask 0: learned from another learner). */
export function learn(s: PaxosState, ctx: NodeContext<PaxosMsg>, slot: number, cmd: Cmd, ballot: number, mask: number) {
  assert(s.chosen[slot] === undefined, `slot ${slot} is learned once per incarnation`);
  s.chosen[slot] = cmd;
  s.chosenBallot[slot] = ballot;
  s.chosenMask[slot] = mask;
  noteLearnedSlot(s.slotRuns, slot, roundOf(ballot));
  s.tallies.delete(slot);
  s.learnedNow.push(slot);
  if (slot > s.maxChosen) s.maxChosen = slot;
  while (s.chosen[s.chosenThrough + 1] !== undefined) s.chosenThrough++;
  onLearned(s, ctx, slot, cmd);
}

/**
 * Apply learned slots in order to the key-value state machine. Each client's latest request and its result are kept
 * in a session, so a command chosen twice (a proposer retried it in another slot) is applied once. The node that owes
 * the client an answer gives it when it applies the command.
 */
export function applyChosen(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  while (s.applied < s.chosenThrough) {
    const slot = s.applied + 1;
    const cmd = s.chosen[slot] as Cmd;
    s.applied = slot;
    if (cmd.type !== "kv") continue;
    const { requestId, clientId, op } = cmd;
    const result = applySessionCommand(s.kv, s.sessions, requestId, clientId, op);
    if (s.pending.delete(requestId)) ctx.reply(requestId, { type: "ok", value: result });
  }
  assert(s.applied <= s.chosenThrough, `applied ${s.applied} past the learned prefix ${s.chosenThrough}`);
}

export function armCatchup(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (s.catchupArmed || s.hintThrough <= s.chosenThrough) return;
  s.catchupArmed = true;
  s.catchupMark = s.chosenThrough;
  ctx.setTimer("catchup", s.o.heartbeatMicros);
}

/**
 * Still behind after a heartbeat interval: ask the peer that said more exists. No progress since the last time (the
 * slots may be chosen nowhere yet, their proposer gone): a proposer runs phase 1 over them itself.
 */
export function onCatchupTimer(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  s.catchupArmed = false;
  if (s.hintThrough <= s.chosenThrough) return;
  const stuck = s.chosenThrough === s.catchupMark;
  if (s.hintFrom !== null && s.hintFrom !== s.id)
    sendTo(s, ctx, s.hintFrom, { type: "learn-req", from: s.chosenThrough + 1 });
  if (stuck) startRecovery(s, ctx);
  armCatchup(s, ctx);
}

export function onLearnReq(s: PaxosState, ctx: NodeContext<PaxosMsg>, from: NodeId, m: { from: number }): void {
  const end = Math.min(s.chosenThrough, m.from + MAX_LEARN_BATCH - 1);
  if (end < m.from) return;
  sendTo(s, ctx, from, {
    type: "learn-resp",
    start: m.from,
    values: Object.freeze(s.chosen.slice(m.from, end + 1)) as Cmd[],
  });
}

export function onLearnResp(
  s: PaxosState,
  ctx: NodeContext<PaxosMsg>,
  from: NodeId,
  m: { start: number; values: readonly Cmd[] },
) {
  for (let k = 0; k < m.values.length; k++) {
    const slot = m.start + k;
    if (s.chosen[slot] === undefined) learn(s, ctx, slot, m.values[k] as Cmd, 0, 0);
  }
  noteHint(s, from, m.start + m.values.length - 1);
  applyChosen(s, ctx);
}

export function describeCmd(c: Cmd): string {
  if (c.type === "noop") return "no-op";
  const op = c.op;
  const arg = op.f === "read" ? "" : op.f === "cas" ? ` ${op.expected}->${op.value}` : ` ${op.value}`;
  return `${c.id} (${op.f} ${op.key}${arg})`;
}

export function acceptorsOf(s: { acceptors: readonly NodeId[] }, mask: number): string {
  if (mask === 0) return "a learner";
  return s.acceptors.filter((_, i) => Math.floor(mask / 2 ** i) % 2 === 1).join(",");
}
