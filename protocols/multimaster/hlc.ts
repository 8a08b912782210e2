/**
 * A hybrid logical clock (Kulkarni et al., 2014) for last-writer-wins: the physical part comes from the node's own
 * (possibly skewed) clock, ctx.now(); the logical counter orders events within one physical microsecond and keeps the
 * clock monotonic and causal when a remote timestamp is ahead of the local clock. Timestamps are plain data (they are
 * persisted and sent), ordered by (wall, logical, node): the node id breaks ties, so the order is total.
 */
import { assert } from "../../sim/core/assert.ts";
import type { Micros, NodeId } from "../../sim/core/types.ts";

export interface HlcStamp {
  wall: Micros;
  logical: number;
  node: NodeId;
}

/** A node's clock state: the latest (wall, logical) it issued or received. */
export interface HlcClock {
  wall: Micros;
  logical: number;
}

/**
 * Order of two stamps: negative when a is older, positive when newer, 0 only for the very same stamp. With
 * `ignoreLogical` (the planted bug `lww-ignores-logical`) the logical counter is skipped, so two stamps one node issued
 * within one wall value compare equal.
 */
export function compareHlc(a: HlcStamp, b: HlcStamp, ignoreLogical = false): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (!ignoreLogical && a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** A local event (a write) at physical time `now`: the stamp it gets; the clock moves past it. */
export function hlcTick(c: HlcClock, now: Micros, node: NodeId): HlcStamp {
  assert(Number.isInteger(now), () => `hlc: physical time ${now} is not whole microseconds`);
  const before = { wall: c.wall, logical: c.logical };
  if (now > c.wall) {
    c.wall = now;
    c.logical = 0;
  } else c.logical++;
  assert(
    c.wall > before.wall || (c.wall === before.wall && c.logical > before.logical),
    () => `hlc: tick at ${now}us did not move forward from ${before.wall}.${before.logical}`,
  );
  assert(c.wall >= now, () => `hlc: wall ${c.wall}us behind physical ${now}us`);
  return { wall: c.wall, logical: c.logical, node };
}

/** A receive of a remote stamp at physical time `now`: the clock moves past both it and its own last value. */
export function hlcReceive(c: HlcClock, remote: HlcStamp, now: Micros): void {
  assert(remote.wall >= 0 && remote.logical >= 0, () => `hlc: bad remote stamp ${JSON.stringify(remote)}`);
  const before = { wall: c.wall, logical: c.logical };
  const wall = Math.max(c.wall, remote.wall, now);
  if (wall === c.wall && wall === remote.wall) c.logical = Math.max(c.logical, remote.logical) + 1;
  else if (wall === c.wall) c.logical++;
  else if (wall === remote.wall) c.logical = remote.logical + 1;
  else c.logical = 0;
  c.wall = wall;
  assert(
    c.wall > before.wall || (c.wall === before.wall && c.logical > before.logical),
    () => `hlc: receive did not move forward from ${before.wall}.${before.logical}`,
  );
  assert(
    c.wall > remote.wall || (c.wall === remote.wall && c.logical > remote.logical),
    () => `hlc: receive of ${remote.wall}.${remote.logical} left the clock at ${c.wall}.${c.logical}`,
  );
}

/** A short printable form: `1234567.2@n1`. */
export function showHlc(s: HlcStamp): string {
  return `${s.wall}.${s.logical}@${s.node}`;
}
