import type { MetricSpec } from "../../sim/core/metrics.ts";
import type { Observer } from "../../sim/core/protocol.ts";
import type { RegionsyncState } from "./node.ts";
import type { RegionsyncOptions } from "./options.ts";

export const regionsyncMetrics: readonly MetricSpec[] = [
  {
    name: "regionsync.lag",
    kind: "sample",
    unit: "micros",
    description: "time from a change's local write in the source region to its apply in the target region",
    label: "region pair",
  },
  {
    name: "regionsync.bytes",
    kind: "counter",
    unit: "bytes",
    description: "bytes of batches put on the wire (after compression), retries included",
    label: "region pair",
  },
  {
    name: "regionsync.backlog",
    kind: "gauge",
    unit: "count",
    description: "changes the source holds that the target has not acknowledged",
    label: "region pair",
  },
  {
    name: "regionsync.catch-up",
    kind: "sample",
    unit: "micros",
    description: "time from a resumption (retry after no progress) until the backlog it found is acknowledged",
    label: "region pair",
  },
  {
    name: "regionsync.resume-backlog",
    kind: "sample",
    unit: "count",
    description: "changes to resend at a resumption (the n of the drain time n*d/b)",
    label: "region pair",
  },
  {
    name: "regionsync.cpu",
    kind: "counter",
    unit: "micros",
    description: "CPU time charged for compression and encryption before sends",
    label: "region pair",
  },
  {
    name: "regionsync.retries",
    kind: "counter",
    unit: "count",
    description: "resumptions after no progress",
    label: "region pair",
  },
  {
    name: "regionsync.converged",
    kind: "gauge",
    unit: "ratio",
    description: "at the end: 1 when every live region is caught up and holds the same data, else 0",
  },
];

function same(a: RegionsyncState, b: RegionsyncState): boolean {
  if (a.store.size !== b.store.size) return false;
  for (const [k, c] of a.store) if (b.store.get(k)?.v !== c.v) return false;
  return true;
}

export const regionsyncObservers: readonly Observer<RegionsyncState, RegionsyncOptions>[] = [
  {
    name: "regionsync.convergence",
    description: "At the end of the run, whether the live regions are caught up and hold the same data.",
    create: () => ({
      finish(ctx) {
        const live = ctx.states.filter((s): s is RegionsyncState => s !== undefined);
        let caughtUp = true;
        for (const t of live)
          for (const [src, inb] of t.inbound) {
            const source = live.find((x) => x.id === src);
            if (source !== undefined && inb.pos < source.log.length) caughtUp = false;
          }
        const first = live[0];
        const converged = caughtUp && first !== undefined && live.every((s) => same(first, s));
        ctx.metric("regionsync.converged", converged ? 1 : 0);
      },
    }),
  },
];
