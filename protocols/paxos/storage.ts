import { CORRUPT, type NodeContext } from "../../sim/core/protocol.ts";
import { roundOf } from "./ballot.ts";
import type { Cmd, PaxosMsg } from "./messages.ts";
import type { PaxosState } from "./state.ts";

/*
 * Disk layout: "round", the last round this node used as a proposer (synced before its prepare goes out, so no
 * ballot is ever run twice, also across restarts); and for an acceptor "promised" (a ballot) and what it accepted, in
 * chunks: "acc:<start>:<ballot>" holds the frozen array of values accepted together at that ballot for slots start,
 * start + 1, ... (one accept message's new values; the disk keeps a frozen array by reference). A slot's accepted
 * value is the one of the highest ballot among the chunks that cover it, so chunks are never rewritten: a later
 * ballot's chunk overrides earlier ones slot by slot. Everything is synced before the promise or acceptance it backs
 * is sent. Learners keep nothing on disk: a restarted node learns the chosen values again from its peers.
 */

export function persistPromise(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  if (!s.bug.forgetPromise) ctx.persist("promised", s.promised);
}

export function persistAccepted(
  ctx: NodeContext<PaxosMsg>,
  start: number,
  ballot: number,
  values: readonly Cmd[],
): void {
  ctx.persist(`acc:${start}:${ballot}`, Object.isFrozen(values) ? values : Object.freeze([...values]));
}

/** Rebuild the acceptor's durable state at (re)start. A damaged value makes the node stop acting as an acceptor. */
export function loadAcceptor(s: PaxosState, ctx: NodeContext<PaxosMsg>): void {
  const damaged = (what: string) => {
    if (!s.damaged)
      ctx.note(`disk damaged (${what} failed its checksum): this node no longer acts as an acceptor`, { key: what });
    s.damaged = true;
  };
  const promised = ctx.read("promised");
  if (promised === CORRUPT) damaged("promised");
  else if (typeof promised === "number") s.promised = promised;
  for (const key of ctx.keys("acc:")) {
    const parts = key.split(":");
    const start = Number(parts[1]);
    const ballot = Number(parts[2]);
    const chunk = ctx.read(key);
    if (chunk === CORRUPT || !Array.isArray(chunk) || !Number.isInteger(start) || !Number.isInteger(ballot)) {
      damaged(key);
      continue;
    }
    for (let k = 0; k < chunk.length; k++) {
      const slot = start + k;
      if (ballot <= (s.accBallot[slot] ?? 0)) continue;
      s.accBallot[slot] = ballot;
      s.accValue[slot] = chunk[k] as Cmd;
      if (slot > s.maxAccepted) s.maxAccepted = slot;
      if (s.minAccepted === 0 || slot < s.minAccepted) s.minAccepted = slot;
    }
    // An acceptor has promised at least every ballot it accepted.
    if (ballot > s.promised) s.promised = ballot;
  }
  // A lost "round" is raised to the round of the promise. That may lie below a round the node used (its acceptor can
  // refuse its own prepare, e.g. while it honours another leader's lease), so a ballot may be run again. Still safe:
  // any ballot of this node that reached phase 2 left an accepted value at that ballot on its own disk (its acceptor
  // handles its accepts in the same step) or its promise is higher, and rerunning phase 1 alone chooses nothing. A
  // proposer that is no acceptor (or whose promise is damaged) and lost its round can no longer tell which ballots it
  // used: it stops proposing.
  const round = ctx.read("round");
  if (typeof round === "number") s.maxRound = round;
  else if (round === CORRUPT && (!s.isAcceptor || s.damaged) && s.isProposer) {
    s.isProposer = false;
    ctx.note("disk damaged (round failed its checksum): this node no longer proposes");
  }
  s.maxRound = Math.max(s.maxRound, roundOf(s.promised));
}
