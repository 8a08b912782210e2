import type { KvOp } from "../../sim/core/protocol.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { Session } from "../kv/kv.ts";

/** A command in the replicated log. */
export type Command =
  | { type: "kv"; requestId: number; clientId: string; op: KvOp }
  /** Appended by every new leader so it can commit (and learn the commit point of) earlier entries. */
  | { type: "noop" }
  /**
   * Single-server membership change: the new voter set, in force as soon as it is in the log. `step` is the index of
   * the `reconfigure` option's step it carries out, so any later leader carries on from the next one.
   */
  | { type: "config"; voters: NodeId[]; step: number };

export interface Entry {
  term: number;
  /** Unique per entry: "r<requestId>", "noop<term>", "cfg<term>.<index>". Used by the checks. */
  id: string;
  cmd: Command;
}

export type { Session };

/** Frozen all the way down when taken, so disks keep it by reference and sending it costs no copy. */
export interface Snapshot {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly kv: readonly (readonly [string, string])[];
  readonly sessions: readonly (readonly [string, Readonly<Session>])[];
  readonly voters: readonly NodeId[];
  /** The reconfigure step of the config in force at lastIndex (-1 or absent: none yet). */
  readonly configStep?: number;
}

export type RaftMsg =
  | { type: "vote"; term: number; lastIndex: number; lastTerm: number; pre: boolean }
  | { type: "vote-resp"; term: number; granted: boolean; pre: boolean }
  /** read: the leader's latest read-confirmation round (reads.ts; absent when reads go through the log). */
  | {
      type: "append";
      term: number;
      prevIndex: number;
      prevTerm: number;
      entries: readonly Entry[];
      commit: number;
      read?: number;
    }
  /**
   * match: the follower's last index known to match the leader (on success); hint: where to retry (on failure);
   * read: the round of the AppendEntries answered, echoed.
   */
  | {
      type: "append-resp";
      term: number;
      success: boolean;
      match: number;
      hintIndex: number;
      hintTerm: number;
      read?: number;
    }
  | { type: "snapshot"; term: number; snapshot: Snapshot }
  | { type: "snapshot-resp"; term: number; match: number };
