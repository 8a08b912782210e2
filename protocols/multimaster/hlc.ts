import { assert } from "../../sim/core/assert.ts";

/**
 * A hybrid logical clock timestamp (Kulkarni et al., 2014): `wall` follows the node's physical clock (ctx.now()) but
 * never goes backwards and never falls behind a timestamp the node has seen; `logical` counts events within one
 * `wall` value; `node` breaks the remaining ties, so the order over timestamps is total.
 */
export interface Hlc {
  wall: number;
  logical: number;
  node: string;
}

/** The clock's state at one node: the largest (wall, logical) it has issued or seen. */
export interface HlcClock {
  wall: number;
  logical: number;
}

/** A timestamp for a local event at physical time `pt`: strictly after everything the clock issued or saw. */
export function hlcTick(clock: HlcClock, pt: number, node: string): Hlc {
  assert(Number.isFinite(pt), () => `hlc: physical time ${pt} is not finite`);
  const before = { wall: clock.wall, logical: clock.logical };
  if (pt > clock.wall) {
    clock.wall = pt;
    clock.logical = 0;
  } else clock.logical++;
  assert(
    clock.wall > before.wall || (clock.wall === before.wall && clock.logical > before.logical),
    () => `hlc: tick did not advance (${before.wall}.${before.logical} -> ${clock.wall}.${clock.logical})`,
  );
  return { wall: clock.wall, logical: clock.logical, node };
}

/** Merge a received timestamp `m` at physical time `pt`: the clock moves past both. */
export function hlcReceive(clock: HlcClock, m: Hlc, pt: number): void {
  const wall = Math.max(clock.wall, m.wall, pt);
  let logical: number;
  if (wall === clock.wall && wall === m.wall) logical = Math.max(clock.logical, m.logical) + 1;
  else if (wall === clock.wall) logical = clock.logical + 1;
  else if (wall === m.wall) logical = m.logical + 1;
  else logical = 0;
  clock.wall = wall;
  clock.logical = logical;
  assert(
    hlcCompare({ ...clock, node: m.node }, m, false) > 0,
    () => `hlc: after receiving ${hlcText(m)} the clock ${clock.wall}.${clock.logical} is not past it`,
  );
}

/**
 * The total order: wall, then logical, then node id. With `ignoreLogical` (the planted bug `lww-ignores-logical`)
 * the logical counter is skipped, so two timestamps of one node within one wall value compare equal.
 */
export function hlcCompare(a: Hlc, b: Hlc, ignoreLogical: boolean): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (!ignoreLogical && a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return 0;
}

export function hlcText(h: Hlc): string {
  return `${h.wall}.${h.logical}@${h.node}`;
}
