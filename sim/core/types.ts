/**
 * Basic types shared by the whole engine.
 *
 * Virtual time is an integer number of microseconds. `Micros` and `NodeId` are plain aliases rather than branded
 * types: time is arithmetic-heavy on the hot path and ids cross the trace/JSON boundary constantly, so brands cost
 * more casts than the mix-ups they would catch. Names carry the unit instead (`latencyMaxMicros`).
 */
export type Micros = number;
export type NodeId = string;

export const MICROS_PER_MILLI = 1_000;
export const MICROS_PER_SECOND = 1_000_000;

/** Exhaustiveness helper for `switch` over a discriminated union. */
export function assertNever(x: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
