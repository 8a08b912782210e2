import seedrandom from "seedrandom";
import { assert } from "./assert.ts";

/**
 * A seeded random stream. Every consumer draws from its own named stream (`network`, `faults`, `node:n3`,
 * `workload:client2`) derived from the run's root seed and the name, so adding a consumer never changes what the
 * others draw. The generator is seedrandom's alea: fast (about 130M draws/s here) and well distributed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Standard normal (mean 0, stddev 1), Box-Muller. */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}

export type Seed = number | string;

/** A seed a trace can record and replay: a string, or an integer of at most 2^53 - 1 either way. */
export function isSeed(s: unknown): s is Seed {
  return typeof s === "string" || Number.isSafeInteger(s);
}

class AleaRng implements Rng {
  private readonly gen: () => number;
  private spare = Number.NaN;

  constructor(seedText: string) {
    this.gen = seedrandom.alea(seedText);
  }

  next(): number {
    return this.gen();
  }

  int(n: number): number {
    if (!(n > 0 && Number.isInteger(n))) assert(false, `rng.int expects a positive integer, got ${n}`); // hot path
    return Math.floor(this.gen() * n);
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.gen();
  }

  chance(p: number): boolean {
    return p > 0 && this.gen() < p;
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.gen();
    const v = this.gen();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.gen();
    return -mean * Math.log(u);
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, "rng.pick expects a non-empty array");
    return items[Math.floor(this.gen() * items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.gen() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/** The stream called `name` under root seed `seed`. Same (seed, name) gives the same stream, always. */
export function rngStream(seed: Seed, name: string): Rng {
  return new AleaRng(`faultline/${String(seed)}/${name}`);
}

/** Factory for the named streams of one run. */
export class RngStreams {
  constructor(readonly seed: Seed) {}
  stream(name: string): Rng {
    return rngStream(this.seed, name);
  }
}
