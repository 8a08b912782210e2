import type { InvariantContext, ProgressCondition } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import type { LivenessCheck } from "../scenario/resolved.ts";

/** Scheduler event kind of liveness polling. */
export const EV_LIVENESS = 7;

/** The built-in condition: some client op completed ok. */
export const CLIENT_OK = "client-ok";

interface Tracked {
  name: string;
  holds: (ctx: InvariantContext<unknown>) => boolean;
  /** First time the condition was seen holding at or after the current quiet time, or -1. */
  satisfiedAt: Micros;
  reported: boolean;
}

/**
 * Liveness: once faults stop (the quiet time: the last fault healed), each required progress condition must be seen
 * holding within the window. Faults that happen later push the quiet time forward and reset the watch.
 * Conditions are polled every window/20; "client-ok" is fed by the workload.
 */
export class LivenessWatch {
  private readonly tracked: Tracked[];
  private quietAtMicros: Micros;
  readonly pollMicros: Micros;

  constructor(
    readonly spec: LivenessCheck,
    conditions: readonly ProgressCondition<unknown>[],
    quietAtMicros: Micros,
    lastOk: () => Micros,
  ) {
    this.quietAtMicros = quietAtMicros;
    this.pollMicros = Math.max(1000, Math.floor(spec.windowMicros / 20));
    this.tracked = spec.require.map((name) => {
      if (name === CLIENT_OK) return { name, holds: () => lastOk() >= this.quietAtMicros, satisfiedAt: -1, reported: false };
      const c = conditions.find((x) => x.name === name);
      if (c === undefined) throw new Error(`liveness condition "${name}" is not declared by the protocol`);
      return { name, holds: (ctx) => c.holds(ctx), satisfiedAt: -1, reported: false };
    });
  }

  get quietAt(): Micros {
    return this.quietAtMicros;
  }

  /** A fault that lasts until `until` happened: the watch restarts from then. */
  faultUntil(until: Micros): void {
    if (until <= this.quietAtMicros) return;
    this.quietAtMicros = until;
    for (const t of this.tracked) if (!t.reported) t.satisfiedAt = -1;
  }

  /** Poll at `now`; returns the conditions that missed their deadline (each reported once). */
  poll(now: Micros, ctx: InvariantContext<unknown>): { name: string; message: string }[] {
    if (now < this.quietAtMicros) return [];
    const misses: { name: string; message: string }[] = [];
    const deadline = this.quietAtMicros + this.spec.windowMicros;
    for (const t of this.tracked) {
      if (t.reported || t.satisfiedAt >= 0) continue;
      if (t.holds(ctx)) {
        t.satisfiedAt = now;
        continue;
      }
      if (now > deadline) {
        t.reported = true;
        misses.push({
          name: t.name,
          message: `"${t.name}" did not hold within ${this.spec.windowMicros}us after faults stopped at ${this.quietAtMicros}us (checked until ${now}us)`,
        });
      }
    }
    return misses;
  }
}
