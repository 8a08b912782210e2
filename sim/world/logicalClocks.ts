/**
 * Logical clocks protocols can use (pure, deterministic): Lamport clocks, vector clocks and hybrid logical clocks
 * (Kulkarni et al., 2014). The physical time an HLC reads is the node's own skewed clock, `ctx.now()`.
 */
import { assert } from "../core/assert.ts";
import type { Micros, NodeId } from "../core/types.ts";

export class LamportClock {
  time = 0;
  /** A local event or a send: tick and return the new time. */
  tick(): number {
    return ++this.time;
  }
  /** A receive of a message stamped `remote`. */
  receive(remote: number): number {
    assert(remote >= 0, () => `lamport: received time ${remote}, expected >= 0`);
    const before = this.time;
    this.time = Math.max(this.time, remote) + 1;
    assert(this.time > before && this.time > remote, () => `lamport: ${this.time} not after ${before} and ${remote}`);
    return this.time;
  }
}

export type VectorTime = Readonly<Record<NodeId, number>>;

export class VectorClock {
  private readonly v: Record<NodeId, number> = {};
  constructor(readonly id: NodeId) {}
  get time(): VectorTime {
    return { ...this.v };
  }
  tick(): VectorTime {
    const before = this.v[this.id] ?? 0;
    this.v[this.id] = before + 1;
    assert(this.v[this.id] === before + 1, () => `vector clock: ${this.id}'s entry did not advance from ${before}`);
    return this.time;
  }
  receive(remote: VectorTime): VectorTime {
    for (const [k, t] of Object.entries(remote)) {
      assert(t >= 0, () => `vector clock: received ${k}=${t}, expected >= 0`);
      this.v[k] = Math.max(this.v[k] ?? 0, t);
    }
    const merged = this.tick();
    assert(
      Object.entries(remote).every(([k, t]) => (merged[k] ?? 0) >= t),
      () => `vector clock: ${JSON.stringify(merged)} does not cover ${JSON.stringify(remote)}`,
    );
    return merged;
  }
}

/** -1 if a happened-before b, 1 if b happened-before a, 0 if equal, null if concurrent. */
export function compareVectors(a: VectorTime, b: VectorTime): -1 | 0 | 1 | null {
  let less = false;
  let greater = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    assert(x >= 0 && y >= 0, () => `compareVectors: entry ${k} is ${x} and ${y}, expected >= 0`);
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  if (less && greater) return null;
  return less ? -1 : greater ? 1 : 0;
}

export interface HlcTime {
  wall: Micros;
  logical: number;
}

export function compareHlc(a: HlcTime, b: HlcTime): number {
  return a.wall - b.wall || a.logical - b.logical;
}

/** A hybrid logical clock: close to physical time, but never goes backwards and respects causality. */
export class HybridLogicalClock {
  wall: Micros = 0;
  logical = 0;
  /** A local event or send at physical time `now`. */
  tick(now: Micros): HlcTime {
    const before: HlcTime = { wall: this.wall, logical: this.logical };
    if (now > this.wall) {
      this.wall = now;
      this.logical = 0;
    } else this.logical++;
    const after = { wall: this.wall, logical: this.logical };
    assert(compareHlc(after, before) > 0, () => `hlc: tick at ${now}us did not move forward from ${before.wall}`);
    assert(after.wall >= now, () => `hlc: wall ${after.wall}us behind physical ${now}us`);
    return after;
  }
  /** A receive of `remote` at physical time `now`. */
  receive(remote: HlcTime, now: Micros): HlcTime {
    const before: HlcTime = { wall: this.wall, logical: this.logical };
    const wall = Math.max(this.wall, remote.wall, now);
    if (wall === this.wall && wall === remote.wall) this.logical = Math.max(this.logical, remote.logical) + 1;
    else if (wall === this.wall) this.logical++;
    else if (wall === remote.wall) this.logical = remote.logical + 1;
    else this.logical = 0;
    this.wall = wall;
    const after = { wall: this.wall, logical: this.logical };
    assert(
      compareHlc(after, before) > 0 && compareHlc(after, remote) > 0,
      () =>
        `hlc: receive of ${remote.wall}.${remote.logical} did not move past it and ${before.wall}.${before.logical}`,
    );
    assert(after.wall >= now, () => `hlc: wall ${after.wall}us behind physical ${now}us`);
    return after;
  }
}
