import { assert } from "../core/assert.ts";
import type { InvariantContext, ProgressCondition } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import { CLIENT_OK, CLIENT_OK_WRITE, isClientCondition } from "./conditions.ts";

/**
 * Window checks: stretches of a run, usually while a fault lasts, with a requirement of their own.
 *
 * - "during" (checks.liveness.during): progress must go on during the window: each required condition is seen at
 *   least once in every `windowMicros` of it (no stall longer than the liveness window), e.g. a Raft cluster with one
 *   follower crashed still commits. The stall is measured from the window's start.
 * - "nothing-commits" (checks.nothingCommits): none of the conditions may happen in the window, e.g. with a majority
 *   down no client write may be acknowledged. For the client conditions an operation counts when it was invoked and
 *   completed ok inside the window (one invoked before may have committed before the window started); a protocol
 *   condition counts when a poll inside the window sees it holding.
 *
 * Client conditions are fed by the workload as operations complete (exact); protocol conditions are polled every
 * pollMicros.
 */
export type WindowKind = "during" | "nothing-commits";

export interface WindowSpec {
  kind: WindowKind;
  /** What the scenario named: "3s-6s", "partition p1", "crash n5". */
  label: string;
  /** The window's span in this run, or null when the schedule has no such fault (the window is not checked). */
  span: { fromMicros: Micros; toMicros: Micros } | null;
  require: readonly string[];
}

export interface WindowVerdict {
  kind: WindowKind;
  label: string;
  fromMicros: Micros | null;
  toMicros: Micros | null;
  /** ok: the requirement held over the whole window; violated: it did not; unchecked: the window was not (wholly)
   * inside the run, its fault is not in the schedule, or (during) it is shorter than the liveness window. */
  verdict: "ok" | "violated" | "unchecked";
  message: string;
}

interface Tracked {
  name: string;
  /** Polled condition (null for the client conditions, which are fed). */
  holds: ((ctx: InvariantContext<unknown>) => boolean) | null;
  /** during: when the condition was last seen (starts at the window's start); nothing-commits: when it happened. */
  seenAt: Micros;
  /** during: the longest stall measured so far. */
  longestStall: Micros;
  reported: boolean;
}

interface Watched {
  spec: WindowSpec;
  tracked: Tracked[];
  /** A poll at or after the window's end has closed it (its stalls are final). */
  closed: boolean;
}

export interface WindowMiss {
  check: string;
  message: string;
}

export class WindowWatch {
  private readonly windows: Watched[];
  readonly pollMicros: Micros;

  constructor(
    specs: readonly WindowSpec[],
    /** The liveness window: the longest stall a "during" window allows. */
    readonly stallMicros: Micros,
    conditions: readonly ProgressCondition<unknown>[],
  ) {
    assert(specs.length > 0, "a window watch needs at least one window");
    this.windows = specs.map((spec) => ({
      spec,
      closed: false,
      tracked: spec.require.map((name) => {
        let holds: Tracked["holds"] = null;
        if (!isClientCondition(name)) {
          const c = conditions.find((x) => x.name === name);
          if (c === undefined) throw new Error(`window condition "${name}" is not declared by the protocol`);
          holds = (ctx) => c.holds(ctx);
        }
        return { name, holds, seenAt: spec.span?.fromMicros ?? 0, longestStall: 0, reported: false };
      }),
    }));
    const lengths = specs.flatMap((s) =>
      s.span === null ? [] : [s.kind === "during" ? stallMicros : s.span.toMicros - s.span.fromMicros],
    );
    this.pollMicros = Math.max(1000, Math.floor(Math.min(100_000, ...lengths.map((x) => x / 20))));
    assert(this.pollMicros >= 1000, () => `window polls every ${this.pollMicros}us`);
  }

  /** A client operation invoked at `invokedAt` completed ok at `now` (`write`: a write, cas or append). */
  clientOk(invokedAt: Micros, now: Micros, write: boolean): WindowMiss[] {
    assert(invokedAt <= now, () => `an op completed at ${now}us, before its invoke at ${invokedAt}us`);
    const misses: WindowMiss[] = [];
    for (const w of this.windows) {
      const span = w.spec.span;
      if (span === null || now < span.fromMicros || now > span.toMicros) continue;
      for (const t of w.tracked) {
        if (t.holds !== null || (t.name === CLIENT_OK_WRITE && !write)) continue;
        assert(t.name === CLIENT_OK || t.name === CLIENT_OK_WRITE, () => `unknown client condition ${t.name}`);
        if (w.spec.kind === "during") this.seen(w, t, now, misses);
        else if (invokedAt >= span.fromMicros && !t.reported) {
          t.reported = true;
          t.seenAt = now;
          misses.push({
            check: `nothing-commits.${t.name}`,
            message:
              `a ${write ? "write" : "operation"} invoked at ${invokedAt}us completed ok at ${now}us, inside ` +
              `${w.spec.label} (${span.fromMicros}us-${span.toMicros}us), where nothing may commit`,
          });
        }
      }
    }
    return misses;
  }

  /** Poll at `now`: protocol conditions, and stalls of "during" windows; closes the windows that ended. */
  poll(now: Micros, ctx: InvariantContext<unknown>): WindowMiss[] {
    const misses: WindowMiss[] = [];
    for (const w of this.windows) {
      const span = w.spec.span;
      if (span === null || w.closed || now < span.fromMicros) continue;
      const inside = now <= span.toMicros;
      for (const t of w.tracked) {
        if (inside && t.holds?.(ctx)) {
          if (w.spec.kind === "during") this.seen(w, t, now, misses);
          else if (!t.reported) {
            t.reported = true;
            t.seenAt = now;
            misses.push({
              check: `nothing-commits.${t.name}`,
              message: `"${t.name}" held at ${now}us, inside ${w.spec.label} (${span.fromMicros}us-${span.toMicros}us)`,
            });
          }
        }
        if (w.spec.kind === "during") this.stall(w, t, Math.min(now, span.toMicros), misses);
      }
      if (!inside) w.closed = true;
    }
    return misses;
  }

  /** A during window's condition was seen at `now`: the stall before it counts. */
  private seen(w: Watched, t: Tracked, now: Micros, misses: WindowMiss[]): void {
    this.stall(w, t, now, misses);
    t.seenAt = now;
    assert(t.seenAt >= (w.spec.span?.fromMicros ?? 0), "a condition seen before its window");
  }

  private stall(w: Watched, t: Tracked, at: Micros, misses: WindowMiss[]): void {
    const stall = at - t.seenAt;
    t.longestStall = Math.max(t.longestStall, stall);
    if (stall <= this.stallMicros || t.reported) return;
    t.reported = true;
    const span = w.spec.span as { fromMicros: Micros; toMicros: Micros };
    misses.push({
      check: `liveness.during.${t.name}`,
      message:
        `"${t.name}" not seen for ${stall}us (from ${t.seenAt}us to ${at}us) during ${w.spec.label} ` +
        `(${span.fromMicros}us-${span.toMicros}us); at most ${this.stallMicros}us allowed`,
    });
  }

  /** Each window's verdict for a run that ended at `end`. */
  verdicts(end: Micros): WindowVerdict[] {
    return this.windows.map((w) => {
      const { kind, label, span } = w.spec;
      const base = { kind, label, fromMicros: span?.fromMicros ?? null, toMicros: span?.toMicros ?? null };
      const names = w.spec.require.join(", ");
      if (span === null) return { ...base, verdict: "unchecked", message: `${label} is not in the fault schedule` };
      const missed = w.tracked.filter((t) => t.reported).map((t) => t.name);
      if (missed.length > 0)
        return {
          ...base,
          verdict: "violated",
          message:
            kind === "during"
              ? `${missed.join(", ")} stalled longer than ${this.stallMicros}us`
              : `${missed.join(", ")} happened`,
        };
      if (end < span.toMicros || span.fromMicros >= span.toMicros)
        return { ...base, verdict: "unchecked", message: `the run ended at ${end}us, before the window closed` };
      if (kind === "during" && span.toMicros - span.fromMicros < this.stallMicros)
        return {
          ...base,
          verdict: "unchecked",
          message: `the window is shorter than the liveness window (${this.stallMicros}us): no progress was required`,
        };
      if (kind === "nothing-commits") return { ...base, verdict: "ok", message: `no ${names}` };
      const longest = Math.max(...w.tracked.map((t) => Math.max(t.longestStall, span.toMicros - t.seenAt)));
      return { ...base, verdict: "ok", message: `${names} seen; longest stall ${longest}us` };
    });
  }
}
