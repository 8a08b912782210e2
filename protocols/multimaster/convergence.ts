import type { InvariantContext } from "../../sim/core/protocol.ts";
import type { MultiMasterState } from "./node.ts";
import { versionId } from "./versions.ts";

type Ctx = InvariantContext<MultiMasterState, unknown>;

/**
 * Replication is quiescent when every node is up with an intact disk and has applied every write of every origin
 * (states[i].applied[origin] = the origin's log length): nothing is in flight that could still change a store.
 */
export function quiescent(ctx: Ctx): boolean {
  const n = ctx.nodes.length;
  for (let i = 0; i < n; i++) {
    const s = ctx.states[i];
    if (s === undefined || s.damaged) return false;
  }
  for (let j = 0; j < n; j++) {
    const written = (ctx.states[j] as MultiMasterState).log.length;
    const origin = ctx.nodes[j] as string;
    for (let i = 0; i < n; i++)
      if (((ctx.states[i] as MultiMasterState).applied.get(origin) ?? 0) !== written) return false;
  }
  return true;
}

/** A store as text: each key (sorted) with the ids of the versions it holds, for equality across nodes. */
export function storeDigest(s: MultiMasterState): string {
  const keys = [...s.store.keys()].sort();
  return keys.map((k) => `${k}=${(s.store.get(k) ?? []).map(versionId).join("+")}`).join(";");
}

/** The first node whose store differs from node 0's, with both digests, or null when all agree. */
export function divergence(ctx: Ctx): { node: number; mine: string; first: string } | null {
  const first = storeDigest(ctx.states[0] as MultiMasterState);
  for (let i = 1; i < ctx.nodes.length; i++) {
    const mine = storeDigest(ctx.states[i] as MultiMasterState);
    if (mine !== first) return { node: i, mine, first };
  }
  return null;
}

/** Converged: quiescent, and every store holds the same versions of the same keys. */
export function converged(ctx: Ctx): boolean {
  return quiescent(ctx) && divergence(ctx) === null;
}

/**
 * Caught up: every node is up, and has applied every origin's writes up to the origin's older retry mark (what it had
 * written two retry ticks ago: shipped at least one retry interval ago and re-sent since if lost). Unlike
 * `converged` it holds under continuous writes; it fails while a partition, a crash or a lost re-send holds writes
 * back.
 */
export function caughtUp(ctx: Ctx): boolean {
  const n = ctx.nodes.length;
  for (let i = 0; i < n; i++) {
    const s = ctx.states[i];
    if (s === undefined || s.damaged) return false;
  }
  for (let j = 0; j < n; j++) {
    const mark = (ctx.states[j] as MultiMasterState).marks[0];
    const origin = ctx.nodes[j] as string;
    for (let i = 0; i < n; i++) if (((ctx.states[i] as MultiMasterState).applied.get(origin) ?? 0) < mark) return false;
  }
  return true;
}
