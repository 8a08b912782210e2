import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import { ballotText } from "./ballot.ts";
import { acceptorsOf, describeCmd } from "./learner.ts";
import { type Cmd, NOOP } from "./messages.ts";
import type { PaxosState } from "./state.ts";

type Ctx = InvariantContext<PaxosState>;

/*
 * The checks read what a node learned and proposed in the step just taken (learnedNow, proposedNow), so each costs
 * O(what changed) per step. The engine runs them only after a step of a node that is up.
 */

/** Only a proposed value can be chosen: the same command (id and operation), not only a known id. */
const validity: Invariant<PaxosState> = {
  name: "validity",
  description: "Only a value that some proposer proposed (a client command, or a no-op filling a gap) is learned.",
  create: () => {
    const proposed = new Map<string, Cmd>([[NOOP.id, NOOP]]);
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (const c of s.proposedNow) if (!proposed.has(c.id)) proposed.set(c.id, c);
      for (const slot of s.learnedNow) {
        const c = s.chosen[slot] as Cmd;
        const p = proposed.get(c.id);
        if (p === undefined) return `${s.id} learned ${describeCmd(c)} for slot ${slot}, which nobody proposed`;
        if (p !== c && (p.type !== c.type || describeCmd(p) !== describeCmd(c)))
          return `${s.id} learned ${describeCmd(c)} for slot ${slot}, but ${c.id} was proposed as ${describeCmd(p)}`;
      }
      return null;
    };
  },
};

/** At most one value per slot, across all nodes and incarnations. */
const agreement: Invariant<PaxosState> = {
  name: "agreement",
  description: "No two nodes ever learn different values for the same slot (at most one value is chosen per slot).",
  create: () => {
    // The first value learned for each slot, who learned it and how (the message is built only for a violation).
    const firstId: (string | undefined)[] = [];
    const firstCmd: Cmd[] = [];
    const firstBy: PaxosState[] = [];
    const firstBallot: number[] = [];
    const firstMask: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      for (const slot of s.learnedNow) {
        const c = s.chosen[slot] as Cmd;
        const had = firstId[slot];
        if (had === undefined) {
          firstId[slot] = c.id;
          firstCmd[slot] = c;
          firstBy[slot] = s;
          firstBallot[slot] = s.chosenBallot[slot] as number;
          firstMask[slot] = s.chosenMask[slot] as number;
        } else if (had !== c.id) {
          const other = firstBy[slot] as PaxosState;
          return (
            `slot ${slot}: ${other.id} learned ${describeCmd(firstCmd[slot] as Cmd)} at ballot ` +
            `${learnedAt(other, firstBallot[slot] as number, firstMask[slot] as number)}, but ${s.id} learned ` +
            `${describeCmd(c)} at ballot ${learnedAt(s, s.chosenBallot[slot] as number, s.chosenMask[slot] as number)}`
          );
        }
      }
      return null;
    };
  },
};

function learnedAt(s: PaxosState, ballot: number, mask: number): string {
  if (ballot === 0) return "? (from a learner)";
  return `${ballotText(ballot, s.nodes)} from ${acceptorsOf(s, mask)}`;
}

/** An acceptor's promise never goes down, also across a crash and restart. */
const promiseMonotonic: Invariant<PaxosState> = {
  name: "promise-monotonic",
  description:
    "An acceptor's promised ballot never decreases, across crashes and restarts (a damaged disk excepted: that " +
    "acceptor stops acting as one).",
  create: () => {
    const highest: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || !s.isAcceptor || s.damaged) return null;
      const had = highest[i] ?? 0;
      if (s.promised < had)
        return (
          `acceptor ${s.id} promised ballot ${ballotText(had, s.nodes)}, now its promise is ` +
          `${ballotText(s.promised, s.nodes)}`
        );
      highest[i] = s.promised;
      return null;
    };
  },
};

/** A learned value is never contradicted by a majority accepting another value for that slot at a later ballot. */
const learnedStability: Invariant<PaxosState> = {
  name: "learned-stability",
  description:
    "A value a node learned stays the chosen one: no majority of acceptors later accepts a different value for " +
    "that slot.",
  create: () => (ctx: Ctx, i: number) => ctx.states[i]?.learnConflict ?? null,
};

export const paxosInvariants: Invariant<PaxosState>[] = [validity, agreement, promiseMonotonic, learnedStability];
