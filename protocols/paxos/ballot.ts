import { assert } from "../../sim/core/assert.ts";
import type { NodeId } from "../../sim/core/types.ts";

/**
 * A ballot is one number, round * BALLOT_SPAN + (proposer index + 1): ordered by round, then by proposer, and unique
 * by construction (no two proposers share an index). Ballot 0 is "none". The non-unique-ballot bug leaves the
 * proposer out (round * BALLOT_SPAN), so two proposers in the same round use the same ballot.
 */
export const BALLOT_SPAN = 1024;

export function makeBallot(round: number, proposerIndex: number, unique: boolean): number {
  assert(round >= 1 && Number.isInteger(round), `a ballot's round is a positive integer, got ${round}`);
  assert(proposerIndex >= 0 && proposerIndex < BALLOT_SPAN - 1, `proposer index ${proposerIndex} out of range`);
  return round * BALLOT_SPAN + (unique ? proposerIndex + 1 : 0);
}

export function roundOf(ballot: number): number {
  return Math.floor(ballot / BALLOT_SPAN);
}

/** "3.n2" (round 3 of n2), "3.?" for a ballot without a proposer, "0" for none. */
export function ballotText(ballot: number, nodes: readonly NodeId[]): string {
  if (ballot === 0) return "0";
  const who = ballot % BALLOT_SPAN;
  return `${roundOf(ballot)}.${who === 0 ? "?" : (nodes[who - 1] ?? "?")}`;
}
