import { assert } from "../../sim/core/assert.ts";
import type { MetricSpec } from "../../sim/core/metrics.ts";
import type { Observer, ObserverContext } from "../../sim/core/protocol.ts";
import type { Micros } from "../../sim/core/types.ts";
import type { MultimasterState } from "./node.ts";
import type { MultimasterOptions } from "./options.ts";
import type { Version } from "./versions.ts";

export const multimasterMetrics: MetricSpec[] = [
  {
    name: "conflicts",
    kind: "counter",
    unit: "count",
    description: "conflicts a replica detected and resolved (an update concurrent with the version it held)",
    label: "replica",
  },
  {
    name: "siblings.created",
    kind: "counter",
    unit: "count",
    description: "siblings mode: concurrent versions kept side by side by a replica",
    label: "replica",
  },
  {
    name: "lww.lost-updates",
    kind: "counter",
    unit: "count",
    description:
      "lww mode, at the end: acknowledged writes overwritten by a concurrent write that never saw them (per key, the " +
      "writes no later write replaced, other than the one lww keeps)",
  },
  {
    name: "lag",
    kind: "sample",
    unit: "micros",
    description: "replication lag: from an update's write at its origin to its apply at a replica",
    label: "origin->replica",
  },
  {
    name: "converge.after-heal",
    kind: "sample",
    unit: "micros",
    description: "from contact resuming after a silence until the peer holds all the sender held then",
    label: "sender->peer",
  },
];

const newer = (a: Version, b: Version): boolean =>
  a.hlc.wall !== b.hlc.wall
    ? a.hlc.wall > b.hlc.wall
    : a.hlc.logical !== b.hlc.logical
      ? a.hlc.logical > b.hlc.logical
      : a.origin > b.origin;

/**
 * Replication lag: when an update first appears at its origin (the step that wrote it) and when it appears at each
 * other replica; a replica that restarts is re-read from its recovered logs without counting them.
 */
const lagObserver: Observer<MultimasterState, MultimasterOptions> = {
  name: "replication-lag",
  description: "Records the lag of every update at every replica, by origin->replica.",
  create: () => {
    const written = new Map<string, Micros>();
    const seen: (Map<string, number> | undefined)[] = [];
    return {
      step(ctx: ObserverContext<MultimasterState, MultimasterOptions>, i: number) {
        const s = ctx.states[i];
        assert(i >= 0 && i < ctx.nodes.length, () => `observer: no node at index ${i}`);
        if (s === undefined) {
          seen[i] = undefined;
          return;
        }
        const first = seen[i] === undefined;
        const lens = seen[i] ?? new Map<string, number>();
        seen[i] = lens;
        for (const [origin, log] of s.logs) {
          const from = lens.get(origin) ?? 0;
          for (let k = from; k < log.length && !first; k++) {
            const v = log[k] as Version;
            const dot = `${v.origin}:${v.seq}`;
            if (origin === s.id) written.set(dot, ctx.now);
            else {
              const at = written.get(dot);
              if (at !== undefined) ctx.metric("lag", ctx.now - at, `${origin}->${s.id}`);
            }
          }
          lens.set(origin, log.length);
        }
        assert(lens.size <= ctx.nodes.length, "one log per origin");
      },
    };
  },
};

/** Lost updates under lww, over every version any live replica holds, counted once at the end. */
const lostObserver: Observer<MultimasterState, MultimasterOptions> = {
  name: "lww-lost-updates",
  description: "At the end, counts acknowledged writes that lww overwrote by a concurrent write that never saw them.",
  create: () => ({
    finish(ctx: ObserverContext<MultimasterState, MultimasterOptions>) {
      if (ctx.options.resolution !== "lww") return;
      const byKey = new Map<string, Map<string, Version>>();
      for (const s of ctx.states) {
        if (s === undefined) continue;
        for (const [key, vs] of s.history) {
          let m = byKey.get(key);
          if (m === undefined) byKey.set(key, (m = new Map()));
          for (const v of vs) m.set(`${v.origin}:${v.seq}`, v);
        }
      }
      let lost = 0;
      for (const key of [...byKey.keys()].sort()) {
        const vs = [...(byKey.get(key) as Map<string, Version>).values()];
        // Versions no write replaced (leaves of the "written over" forest); the newest one is what lww keeps.
        const replaced = new Set(vs.flatMap((v) => v.over));
        const leaves = vs.filter((v) => !replaced.has(`${v.origin}:${v.seq}`));
        const winner = vs.reduce((a, b) => (newer(b, a) ? b : a));
        assert(leaves.includes(winner), () => `key ${key}: the newest write was written over by another`);
        for (const v of leaves) {
          if (v === winner) continue;
          lost++;
          const node = ctx.nodes.indexOf(v.origin);
          ctx.note(Math.max(0, node), `lost update on ${key}: ${v.origin}:${v.seq}=${v.value}`, {
            key,
            lost: `${v.origin}:${v.seq}=${v.value}`,
            winner: `${winner.origin}:${winner.seq}=${winner.value}`,
          });
        }
      }
      assert(lost >= 0 && Number.isInteger(lost), "lost updates are a count");
      ctx.metric("lww.lost-updates", lost);
    },
  }),
};

export const multimasterObservers = [lagObserver, lostObserver];
