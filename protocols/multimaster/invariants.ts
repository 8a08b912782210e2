import type { Invariant, InvariantContext, ProgressCondition } from "../../sim/core/protocol.ts";
import type { MultimasterState } from "./node.ts";
import type { MultimasterOptions } from "./options.ts";
import type { Version } from "./versions.ts";

/**
 * The checker's own view of the causal order and of a replica's state, written apart from node.ts on purpose: a bug in
 * the node's comparison must not make the check wrong the same way.
 */
const covered = (x: Version, y: Version): boolean => (x.clock[y.origin] ?? 0) >= y.seq;

function appliedText(s: MultimasterState): string {
  return [...s.logs].map(([o, log]) => `${o}=${log.length}`).join(",");
}

/** A replica's state as text: per key (sorted), the dots of the versions it holds (sorted). */
export function storeText(s: MultimasterState): string {
  const keys = [...s.store.keys()].sort();
  return keys
    .map((k) => {
      const dots = (s.store.get(k) ?? []).map((v) => `${v.origin}:${v.seq}`).sort();
      return `${k}=${dots.join("|")}`;
    })
    .join(";");
}

function live(ctx: InvariantContext<MultimasterState>): MultimasterState[] {
  const out: MultimasterState[] = [];
  ctx.states.forEach((s, i) => {
    if (s !== undefined && ctx.up[i] === true && !s.damaged) out.push(s);
  });
  return out;
}

export const multimasterInvariants: Invariant<MultimasterState, MultimasterOptions>[] = [
  {
    name: "convergence",
    description:
      "Strong eventual consistency: two live replicas that hold the same updates (equal version vectors) hold the " +
      "same versions of every key, whatever order the updates came in.",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined || s.damaged) return null;
      const mine = appliedText(s);
      let text: string | undefined;
      for (const [j, t] of ctx.states.entries()) {
        if (j === i || t === undefined || t.damaged || appliedText(t) !== mine) continue;
        text ??= storeText(s);
        const other = storeText(t);
        if (other !== text) {
          const keys = [...new Set([...s.store.keys(), ...t.store.keys()])].sort();
          const k = keys.find((key) => {
            const a = (s.store.get(key) ?? []).map((v) => `${v.origin}:${v.seq}`).sort();
            const b = (t.store.get(key) ?? []).map((v) => `${v.origin}:${v.seq}`).sort();
            return a.join() !== b.join();
          });
          const show = (x: MultimasterState): string =>
            (x.store.get(k ?? "") ?? []).map((v) => `${v.origin}:${v.seq}=${v.value}`).join(" | ");
          return (
            `${ctx.nodes[i]} and ${ctx.nodes[j]} hold the same updates (${mine}) but differ on key ${k}: ` +
            `${ctx.nodes[i]} holds ${show(s)}, ${ctx.nodes[j]} holds ${show(t)}`
          );
        }
      }
      return null;
    },
  },
  {
    name: "siblings-preserved",
    description:
      "Under siblings: for every key the step changed, the versions held are pairwise concurrent and every version " +
      "applied is held or was written over by a held one (no concurrent sibling is dropped).",
    create: () => (ctx, i) => {
      const s = ctx.states[i];
      if (s === undefined || ctx.options.resolution !== "siblings") return null;
      for (const key of s.touched) {
        const held = s.store.get(key) ?? [];
        for (const a of held)
          for (const b of held)
            if (a !== b && covered(a, b)) {
              const what = `${a.origin}:${a.seq} and ${b.origin}:${b.seq} of ${key}`;
              return `${ctx.nodes[i]} holds ${what}, one written over the other`;
            }
        for (const v of s.history.get(key) ?? []) {
          if (!held.some((h) => covered(h, v))) {
            return (
              `${ctx.nodes[i]} dropped sibling ${v.origin}:${v.seq}=${v.value} of ${key}: no version it holds ` +
              `(${held.map((h) => `${h.origin}:${h.seq}`).join(", ")}) was written over it`
            );
          }
        }
      }
      return null;
    },
  },
];

export const multimasterProgress: ProgressCondition<MultimasterState, MultimasterOptions>[] = [
  {
    name: "converged",
    description: "Every live replica holds the same updates and the same versions of every key.",
    holds: (ctx) => {
      const ss = live(ctx);
      if (ss.length < ctx.nodes.length) return false;
      const first = ss[0] as MultimasterState;
      const a = appliedText(first);
      const t = storeText(first);
      return ss.every((s) => appliedText(s) === a && storeText(s) === t);
    },
  },
];
