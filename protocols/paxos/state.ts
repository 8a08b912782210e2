import type { NodeId } from "../../sim/core/types.ts";
import type { PaxosBugFlags } from "./bugs.ts";
import type { Cmd, PaxosMsg } from "./messages.ts";
import type { PaxosOptions } from "./options.ts";
import { emptySlotRuns, type SlotRuns } from "./slotRuns.ts";
import type { Session } from "../kv/kv.ts";

/** What a proposer is doing: nothing, running phase 1 with `ballot`, or proposing with it (multi: leading). */
export type ProposerPhase = "idle" | "preparing" | "proposing";

/** Acceptances a learner has counted for one slot at one ballot (acceptors as a bit mask of their indexes). */
export interface Tally {
  ballot: number;
  mask: number;
  count: number;
  cmd: Cmd;
}

export type { Session };

/**
 * A Paxos node: proposer, acceptor (if listed) and learner in one. Slot-indexed arrays are plain arrays indexed by
 * slot (slot 1 first).
 */
export interface PaxosState {
  o: PaxosOptions;
  bug: PaxosBugFlags;
  id: NodeId;
  nodes: readonly NodeId[];
  /** This node's index in `nodes` (its ballots carry it). */
  index: number;
  acceptors: readonly NodeId[];
  quorum: number;
  isAcceptor: boolean;
  isProposer: boolean;

  // Acceptor (durable: promised and accepted).
  promised: number;
  accBallot: number[];
  accValue: (Cmd | undefined)[];
  maxAccepted: number;
  /** The lowest slot this acceptor holds an accepted value for (0: none). */
  minAccepted: number;
  /** A stored value failed its checksum: this node no longer acts as an acceptor (it may have lost a promise). */
  damaged: boolean;

  // Learner (volatile: relearned from peers after a restart).
  chosen: (Cmd | undefined)[];
  chosenBallot: number[];
  chosenMask: number[];
  /** The rounds of the learned slots as runs, for the view (slotRuns.ts). */
  slotRuns: SlotRuns;
  /** Every slot up to here is learned. */
  chosenThrough: number;
  maxChosen: number;
  tallies: Map<number, Tally>;
  /** Tallies of a value other than the learned one, at a higher ballot (a learned value must never be contradicted). */
  conflicts: Map<number, Tally>;
  /** Set when a majority accepted a value other than the one this node learned for a slot (learned-value stability). */
  learnConflict: string | null;
  applied: number;
  kv: Map<string, string>;
  sessions: Map<string, Session>;
  /** The highest slot some peer said exists, and who said it (catch-up). */
  hintThrough: number;
  hintFrom: NodeId | null;
  catchupArmed: boolean;
  /** chosenThrough when the catch-up timer was armed (no progress since: recover the slots). */
  catchupMark: number;

  // Proposer.
  phase: ProposerPhase;
  /** The ballot of the current (or last) phase 1; 0 before the first. */
  ballot: number;
  /** The highest round seen in any ballot. */
  maxRound: number;
  promises: Map<NodeId, Extract<PaxosMsg, { type: "promise" }>>;
  prepareFrom: number;
  nextSlot: number;
  /** Slots proposed with `ballot` and not yet learned. */
  inflight: Map<number, { cmd: Cmd; at: number }>;
  /** Client commands waiting for a slot. */
  queue: Cmd[];
  /** Requests this node owes an answer, answered when it applies them. */
  pending: Set<number>;
  attempt: number;
  backoffArmed: boolean;
  flushArmed: boolean;

  // Leadership (multi mode).
  leader: NodeId | null;
  leaderBallot: number;
  lastLeaderContact: number;
  leaderSince: number;
  lastAck: Map<NodeId, number>;

  /** Messages to itself, handled after the current input (never re-entrantly). */
  local: PaxosMsg[];
  /** Slots learned in the current step, and the values proposed in it (read by the invariants). */
  learnedNow: number[];
  proposedNow: Cmd[];
  lastView: Record<string, unknown> | undefined;
}

export function initialState(id: NodeId, nodes: readonly NodeId[], o: PaxosOptions, bug: PaxosBugFlags): PaxosState {
  const acceptors = o.acceptors ?? [...nodes];
  const proposers = o.proposers ?? nodes;
  return {
    o,
    bug,
    id,
    nodes,
    index: nodes.indexOf(id),
    acceptors,
    quorum: Math.floor(acceptors.length / 2) + 1,
    isAcceptor: acceptors.includes(id),
    isProposer: proposers.includes(id),
    promised: 0,
    accBallot: [],
    accValue: [],
    maxAccepted: 0,
    minAccepted: 0,
    damaged: false,
    chosen: [],
    chosenBallot: [],
    slotRuns: emptySlotRuns(),
    chosenMask: [],
    chosenThrough: 0,
    maxChosen: 0,
    tallies: new Map(),
    conflicts: new Map(),
    learnConflict: null,
    applied: 0,
    kv: new Map(),
    sessions: new Map(),
    hintThrough: 0,
    hintFrom: null,
    catchupArmed: false,
    catchupMark: 0,
    phase: "idle",
    ballot: 0,
    maxRound: 0,
    promises: new Map(),
    prepareFrom: 1,
    nextSlot: 1,
    inflight: new Map(),
    queue: [],
    pending: new Set(),
    attempt: 0,
    backoffArmed: false,
    flushArmed: false,
    leader: null,
    leaderBallot: 0,
    lastLeaderContact: Number.NEGATIVE_INFINITY,
    leaderSince: 0,
    lastAck: new Map(),
    local: [],
    learnedNow: [],
    proposedNow: [],
    lastView: undefined,
  };
}

/** Send, or queue for itself (handled after the current input). */
export function sendTo(s: PaxosState, ctx: { send(to: NodeId, m: PaxosMsg): void }, to: NodeId, m: PaxosMsg): void {
  if (to === s.id) s.local.push(m);
  else ctx.send(to, m);
}

/** A peer says slots up to `through` exist: catch up if this node has not learned them. */
export function noteHint(s: PaxosState, from: NodeId, through: number): void {
  if (through > s.hintThrough) {
    s.hintThrough = through;
    s.hintFrom = from;
  }
}
