/**
 * Versions of a key and their causal order. Every update a replica originates gets a dot (origin, seq): seq counts the
 * origin's updates from 1. A version's clock is a version vector over origins: clock[origin] = seq for its own dot, and
 * for every other origin the highest seq of that origin's versions of the same key it was written over (its causal
 * past for this key). Version x descends from y when x's clock covers y's dot.
 */
import { assert } from "../../sim/core/assert.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { HlcStamp } from "./hlc.ts";

export type Clock = Record<NodeId, number>;

/** One update: a new value of a key written at `origin`, replicated to every replica. */
export interface Version {
  origin: NodeId;
  seq: number;
  key: string;
  value: string;
  hlc: HlcStamp;
  clock: Clock;
  /** Dots of the versions its origin held, and so replaced, when it was written (its value's direct parents). */
  over: string[];
  requestId: number;
}

export const dotOf = (v: Version): string => `${v.origin}:${v.seq}`;

/** x descends from y (x was written over y, directly or not), or is y. */
export function descends(x: Version, y: Version): boolean {
  return (x.clock[y.origin] ?? 0) >= y.seq;
}

/** The pointwise maximum of clocks. */
export function joinClocks(clocks: readonly Clock[]): Clock {
  const out: Clock = {};
  for (const c of clocks) {
    for (const [k, n] of Object.entries(c)) {
      assert(Number.isInteger(n) && n >= 0, () => `clock entry ${k}=${n} is not a count`);
      if (n > (out[k] ?? 0)) out[k] = n;
    }
  }
  return out;
}

/** Clocks with sorted keys compare as text: equal content gives equal text. */
export function clockText(c: Clock): string {
  return Object.keys(c)
    .filter((k) => (c[k] ?? 0) > 0)
    .sort()
    .map((k) => `${k}=${c[k]}`)
    .join(",");
}

/** A short printable form of a version: `n1:3=v12`. */
export const showVersion = (v: Version): string => `${dotOf(v)}=${v.value}`;
