import type { InvariantContext, ProgressCondition } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import type { LivenessCheck } from "../scenario/resolved.ts";

import { CLIENT_OK, CLIENT_OK_WRITE } from "./conditions.ts";

/** Why a run's liveness was not checked: faults never stopped (quiet null), or stop at or after the run's end. */
export function uncheckedReason(quiet: Micros | null, end: Micros, time: (micros: Micros) => string): string {
  return quiet === null
    ? "faults never stopped (crashes without a restart of half the nodes or more, a partition without a heal, or " +
        "random faults without stopAt)"
    : `faults stop at ${time(quiet)}, not before the run's end at ${time(end)}`;
}

/** What a run's liveness check concluded. */
export interface LivenessVerdict {
  /** ok: every condition held within the window; violated: one did not; unchecked: faults did not stop before the
   * end; undecided: the run ended inside the window with a condition not yet seen holding. */
  verdict: "ok" | "violated" | "unchecked" | "undecided";
  /** When faults stopped (null: never). */
  quietAtMicros: Micros | null;
  message: string;
}

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
    lastOk: (write: boolean) => Micros,
  ) {
    this.quietAtMicros = quietAtMicros;
    this.pollMicros = Math.max(1000, Math.floor(spec.windowMicros / 20));
    this.tracked = spec.require.map((name) => {
      if (name === CLIENT_OK || name === CLIENT_OK_WRITE) {
        const write = name === CLIENT_OK_WRITE;
        return { name, holds: () => lastOk(write) >= this.quietAtMicros, satisfiedAt: -1, reported: false };
      }
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

  /**
   * The verdict at the end of a run at `end`. A watch whose faults never stopped, or stopped only at or after the end,
   * checked nothing: "unchecked", not OK. One whose window was still open at the end with a condition not yet seen
   * holding is "undecided".
   */
  verdict(end: Micros): LivenessVerdict {
    const quiet = this.quietAtMicros;
    const quietAtMicros = Number.isFinite(quiet) ? quiet : null;
    const what = `${this.spec.require.join(", ")} within ${this.spec.windowMicros}us of the last fault`;
    if (this.tracked.some((t) => t.reported)) return { verdict: "violated", quietAtMicros, message: what };
    if (quietAtMicros === null || quiet >= end) {
      return {
        verdict: "unchecked",
        quietAtMicros,
        message: `${what}: ${uncheckedReason(quietAtMicros, end, (us) => `${us}us`)}`,
      };
    }
    const unseen = this.tracked.filter((t) => t.satisfiedAt < 0 && !t.reported).map((t) => t.name);
    if (unseen.length === 0) return { verdict: "ok", quietAtMicros, message: what };
    return {
      verdict: "undecided",
      quietAtMicros,
      message:
        `${what}: ${unseen.join(", ")} not seen holding when the run ended at ${end}us, ${end - quiet}us ` +
        `after faults stopped at ${quiet}us (the window runs to ${quiet + this.spec.windowMicros}us)`,
    };
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
          message:
            `"${t.name}" did not hold within ${this.spec.windowMicros}us after faults stopped at ` +
            `${this.quietAtMicros}us (checked until ${now}us)`,
        });
      }
    }
    return misses;
  }
}
