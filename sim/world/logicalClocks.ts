/**
 * Logical clocks protocols can use (pure, deterministic): Lamport clocks, vector clocks and hybrid logical clocks
 * (Kulkarni et al., 2014). The physical time an HLC reads is the node's own skewed clock, `ctx.now()`.
 */
import type { Micros, NodeId } from "../core/types.ts";

export class LamportClock {
  time = 0;
  /** A local event or a send: tick and return the new time. */
  tick(): number {
    return ++this.time;
  }
  /** A receive of a message stamped `remote`. */
  receive(remote: number): number {
    this.time = Math.max(this.time, remote) + 1;
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
    this.v[this.id] = (this.v[this.id] ?? 0) + 1;
    return this.time;
  }
  receive(remote: VectorTime): VectorTime {
    for (const [k, t] of Object.entries(remote)) this.v[k] = Math.max(this.v[k] ?? 0, t);
    return this.tick();
  }
}

/** -1 if a happened-before b, 1 if b happened-before a, 0 if equal, null if concurrent. */
export function compareVectors(a: VectorTime, b: VectorTime): -1 | 0 | 1 | null {
  let less = false;
  let greater = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
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
    if (now > this.wall) {
      this.wall = now;
      this.logical = 0;
    } else this.logical++;
    return { wall: this.wall, logical: this.logical };
  }
  /** A receive of `remote` at physical time `now`. */
  receive(remote: HlcTime, now: Micros): HlcTime {
    const wall = Math.max(this.wall, remote.wall, now);
    if (wall === this.wall && wall === remote.wall) this.logical = Math.max(this.logical, remote.logical) + 1;
    else if (wall === this.wall) this.logical++;
    else if (wall === remote.wall) this.logical = remote.logical + 1;
    else this.logical = 0;
    this.wall = wall;
    return { wall: this.wall, logical: this.logical };
  }
}
