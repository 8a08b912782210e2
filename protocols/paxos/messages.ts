import type { KvOp } from "../../sim/core/protocol.ts";

/** A value proposed for a slot: a client command, or a no-op that fills a gap. Frozen when made. */
export type Cmd =
  | {
      readonly type: "kv";
      readonly id: string;
      readonly requestId: number;
      readonly clientId: string;
      readonly op: KvOp;
    }
  | { readonly type: "noop"; readonly id: "noop" };

export const NOOP: Cmd = Object.freeze({ type: "noop", id: "noop" });

/** One accepted slot reported in a promise: [slot, ballot, value]. */
export type AcceptedSlot = readonly [number, number, Cmd];

export type PaxosMsg =
  /** Phase 1a: promise not to accept ballots below `ballot`, and report what you accepted from slot `from` on. */
  | { type: "prepare"; ballot: number; from: number }
  /** Phase 1b. `chosenThrough`: the acceptor's learned prefix (a hint that the proposer is behind). */
  | { type: "promise"; ballot: number; from: number; accepted: readonly AcceptedSlot[]; chosenThrough: number }
  /** A refusal: the acceptor has promised `promised`, above the ballot it was asked for. */
  | { type: "nack"; ballot: number; promised: number }
  /** Phase 2a: accept values[k] for slot start + k at `ballot`. */
  | { type: "accept"; ballot: number; start: number; values: readonly Cmd[]; chosenThrough: number }
  /** Phase 2b, sent by the acceptor to every learner. */
  | { type: "accepted"; ballot: number; start: number; values: readonly Cmd[] }
  /** A stable leader's heartbeat (multi mode). */
  | { type: "heartbeat"; ballot: number; chosenThrough: number }
  | { type: "heartbeat-ack"; ballot: number }
  /** A learner behind asks a peer for the values it learned from slot `from` on. */
  | { type: "learn-req"; from: number }
  /** Values the sender learned (from a majority), for slots start, start + 1, ... */
  | { type: "learn-resp"; start: number; values: readonly Cmd[] };
