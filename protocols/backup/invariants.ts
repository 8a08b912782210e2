import { assert } from "../../sim/core/assert.ts";
import { CORRUPT, type Invariant, type InvariantContext, type Observer } from "../../sim/core/protocol.ts";
import type { LogEntry } from "./messages.ts";
import type { BackupState } from "./node.ts";
import type { BackupOptions } from "./options.ts";

type ICtx = InvariantContext<BackupState, BackupOptions>;

/** The source's log, read from its durable storage (readable while it is down): null if any entry is damaged. */
export function sourceLog(ctx: ICtx, source: string): LogEntry[] | null {
  const i = ctx.nodes.indexOf(source);
  assert(i >= 0, () => `backup: unknown source ${source}`);
  const st = ctx.storage(i);
  const count = st.read("count");
  const n = typeof count === "number" ? count : 0;
  const out: LogEntry[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const e = st.read(`log:${seq}`);
    if (e === CORRUPT || e === undefined) return null;
    out.push(e as LogEntry);
  }
  assert(out.length === n, "backup: the whole log read");
  return out;
}

/** The source's key-value state after its first `seq` writes. */
export function stateAt(log: readonly LogEntry[], seq: number): Map<string, string> {
  const kv = new Map<string, string>();
  for (const e of log) {
    if (e.seq > seq) break;
    if (e.value === null) kv.delete(e.key);
    else kv.set(e.key, e.value);
  }
  return kv;
}

function diff(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string | null {
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k))
      return `${k}: restored ${JSON.stringify(a.get(k) ?? null)}, source ${JSON.stringify(b.get(k) ?? null)}`;
  }
  return null;
}

export const backupInvariants: Invariant<BackupState, BackupOptions>[] = [
  {
    name: "restore-matches-source",
    description:
      "A finished restore holds exactly the source's state at the point it restored to (the source's log replayed to " +
      "the same position): a damaged block is detected, never silently restored, and no delta misses a change.",
    create: () => {
      const checked = new Set<number>();
      return (ctx, i) => {
        const s = ctx.states[i];
        const r = s?.restore;
        if (r === undefined || r === null || r.phase !== "done" || checked.has(i)) return null;
        checked.add(i);
        const log = sourceLog(ctx, r.source);
        if (log === null) return null;
        const d = diff(r.restoredKv, stateAt(log, r.restoredSeq));
        return d === null ? null : `${ctx.nodes[i]} restored ${r.source} at seq ${r.restoredSeq} but ${d}`;
      };
    },
  },
];

/**
 * RPO of each restore, against the source's durable log. When the source was down at the restore, the loss point is
 * its last write (the newest it accepted before failing); otherwise it is the requested point (or the restore's end).
 * Lost writes are the source's writes after the restored position up to the loss point, and the RPO time is the loss
 * point minus the restored point's time (0 when nothing was lost): the span of writes the restore does not hold.
 */
export const backupObservers: Observer<BackupState, BackupOptions>[] = [
  {
    name: "rpo",
    description: "Writes and time lost by each restore (RPO), from the source's log.",
    create: () => {
      const done = new Set<number>();
      return {
        step(ctx) {
          ctx.states.forEach((s, j) => {
            const r = s?.restore;
            if (r === undefined || r === null || r.phase !== "done" || done.has(j)) return;
            done.add(j);
            const log = sourceLog(ctx, r.source);
            if (log === null) return;
            const sourceUp = ctx.up[ctx.nodes.indexOf(r.source)] === true;
            const lossPoint = sourceUp ? (r.point ?? ctx.now) : (log[log.length - 1]?.t ?? 0);
            const lost = log.filter((e) => e.seq > r.restoredSeq && e.t <= lossPoint).length;
            const time = lost === 0 ? 0 : Math.max(0, lossPoint - r.restoredT);
            assert(time >= 0 && lost >= 0, "backup: RPO is not negative");
            ctx.metric("restore.rpo.writes", lost, r.source);
            ctx.metric("restore.rpo.time", time, r.source);
            ctx.note(j, `RPO: ${lost} writes, ${time}us (restored point ${r.restoredT}us, loss point ${lossPoint}us)`);
          });
        },
      };
    },
  },
];
