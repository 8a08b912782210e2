/**
 * Transaction overlay for atomic commit protocols (the trace header's transactions hint): each transaction drawn as a
 * group across the lanes involved, from its first prepare to its decision, with its votes marked (yes / no) and the
 * decision labelled (commit green, abort red, conflicting decisions purple). Built from message payloads (the hint's
 * id, start, vote and vote field) and the hint's decide notes; laid out as drawing primitives like the rest.
 */
import type { TransactionsHint } from "../../../sim/core/viewHints.ts";
import type { TraceEvent } from "../../../sim/trace/events.ts";
import type { Prim } from "../prim.ts";

export interface TxnVote {
  lane: number;
  t: number;
  vote: "yes" | "no";
}

export interface TxnDecision {
  lane: number;
  t: number;
  decision: string;
  reason: string;
  /** Decided by a 3PC recovery coordinator. */
  recovery: boolean;
}

export interface TxnGroup {
  txn: string;
  /** First prepare (or first message) of the transaction. */
  t0: number;
  /** The first decision, or the last message when undecided. */
  t1: number;
  /** The coordinator's lane (sender of the first prepare), or -1. */
  coordinator: number;
  /** Every node lane that sent or received a message of the transaction, in lane order. */
  lanes: number[];
  /** Participants named by the prepare. */
  participants: string[];
  op: unknown;
  votes: TxnVote[];
  /** Every decision note, in time order (more than one distinct decision is an atomicity violation). */
  decisions: TxnDecision[];
  messages: number;
}

/** The outcome to show: the first decision, "conflict" if nodes decided differently, null if undecided. */
export function outcomeOf(g: TxnGroup): string | null {
  const first = g.decisions[0];
  if (first === undefined) return null;
  return g.decisions.some((d) => d.decision !== first.decision) ? "conflict" : first.decision;
}

/** Group a trace's events by transaction, as its transactions hint says; undefined without one. */
export function buildTxnGroups(
  hint: TransactionsHint | undefined,
  events: readonly TraceEvent[],
  lane: (id: string) => number,
): TxnGroup[] | undefined {
  if (hint === undefined) return undefined;
  const byTxn = new Map<string, TxnGroup>();
  const lanes = new Map<string, Set<number>>();
  const group = (txn: string, t: number): TxnGroup => {
    let g = byTxn.get(txn);
    if (g === undefined) {
      g = {
        txn,
        t0: t,
        t1: t,
        coordinator: -1,
        lanes: [],
        participants: [],
        op: null,
        votes: [],
        decisions: [],
        messages: 0,
      };
      byTxn.set(txn, g);
      lanes.set(txn, new Set());
    }
    return g;
  };
  for (const e of events) {
    if (e.k === "send") {
      const m = e.m as Record<string, unknown> | null | undefined;
      if (m === null || typeof m !== "object") continue;
      const id = m[hint.id];
      if (typeof id !== "string" && typeof id !== "number") continue;
      const g = group(String(id), e.t);
      g.messages++;
      g.t1 = g.decisions.length > 0 ? g.t1 : Math.max(g.t1, e.t);
      const from = lane(e.n);
      const to = lane(e.to);
      lanes.get(g.txn)?.add(from).add(to);
      if (e.ty === hint.start && g.coordinator < 0) {
        g.coordinator = from;
        g.t0 = Math.min(g.t0, e.t);
        if (Array.isArray(m.participants)) g.participants = m.participants.map(String);
        g.op = m.op ?? null;
      }
      const vote = m[hint.voteField];
      if (e.ty === hint.vote && (vote === "yes" || vote === "no")) g.votes.push({ lane: from, t: e.t, vote });
    } else if (e.k === "note" && e.text === hint.decideNote && e.data !== undefined) {
      const d = e.data as { decision?: unknown; reason?: unknown; recovery?: unknown; [id: string]: unknown };
      const id = d[hint.id];
      if (typeof id !== "string" && typeof id !== "number") continue;
      const g = group(String(id), e.t);
      if (g.decisions.length === 0) g.t1 = e.t;
      g.decisions.push({
        lane: lane(e.n),
        t: e.t,
        decision: String(d.decision),
        reason: typeof d.reason === "string" ? d.reason : "",
        recovery: d.recovery === true,
      });
      lanes.get(g.txn)?.add(lane(e.n));
    }
  }
  const out = [...byTxn.values()];
  for (const g of out) g.lanes = [...(lanes.get(g.txn) ?? [])].filter((l) => l >= 0).sort((a, b) => a - b);
  return out.sort((a, b) => a.t0 - b.t0);
}

/** Transactions whose span meets [t0, t1], in start order. */
export function txnsInView(groups: readonly TxnGroup[], t0: number, t1: number): TxnGroup[] {
  return groups.filter((g) => g.t1 >= t0 && g.t0 <= t1);
}

/** Above this many transactions in view only decision ticks are drawn (bands, votes and labels would be noise). */
export const MAX_TXN_GROUPS = 60;

const COLORS: Record<string, { band: string; ink: string }> = {
  commit: { band: "#2e9e5b", ink: "#1e7a43" },
  abort: { band: "#d64545", ink: "#b03030" },
  conflict: { band: "#8e44ad", ink: "#7d3c98" },
  undecided: { band: "#7b8794", ink: "#52606d" },
};

export interface TxnLayout {
  x: (t: number) => number;
  ys: Float64Array;
  laneH: number;
  t0: number;
  t1: number;
  /** The plot's horizontal extent: bands are clipped to it, marks outside it are not drawn. */
  xMin: number;
  xMax: number;
}

const inPlot = (L: TxnLayout, x: number) => x >= L.xMin && x <= L.xMax;

/** Bands (drawn under the message arrows). */
export function txnBands(groups: readonly TxnGroup[], L: TxnLayout): Prim[] {
  const inView = txnsInView(groups, L.t0, L.t1);
  if (inView.length > MAX_TXN_GROUPS) return [];
  const prims: Prim[] = [];
  for (const g of inView) {
    const c = COLORS[outcomeOf(g) ?? "undecided"] as { band: string; ink: string };
    const start = L.x(g.t0);
    const end = Math.max(start + 2, L.x(g.t1));
    const x0 = Math.max(L.xMin, start);
    const w = Math.min(L.xMax, end) - x0;
    const ys = g.lanes.map((l) => L.ys[l] as number).filter((y) => !Number.isNaN(y));
    if (ys.length === 0 || w <= 0) continue;
    // a thin strip under each lane involved, closed by a bracket at the first prepare and at the decision: not a
    // shading of the lane, which is what partitions (red) and down time (grey) are
    for (const y of ys) {
      const top = y + L.laneH * 0.3 - 2;
      const h = 4;
      prims.push({
        p: "rect",
        x: x0,
        y: top,
        w,
        h,
        fill: c.band,
        opacity: 0.55,
        cls: "txn-band",
        title: `transaction ${g.txn}`,
      });
      if (inPlot(L, start))
        prims.push({
          p: "line",
          x1: start,
          y1: top - 4,
          x2: start,
          y2: top + h,
          stroke: c.band,
          width: 1.5,
          opacity: 0.7,
          cls: "txn-bracket",
        });
      if (inPlot(L, end))
        prims.push({
          p: "line",
          x1: end,
          y1: top - 4,
          x2: end,
          y2: top + h,
          stroke: c.band,
          width: 1.5,
          opacity: 0.7,
          cls: "txn-bracket",
        });
    }
  }
  return prims;
}

/** Votes, decision marks and labels (drawn over the arrows). Marks carry t and lane, so clicking selects the txn. */
export function txnMarks(groups: readonly TxnGroup[], L: TxnLayout): Prim[] {
  const inView = txnsInView(groups, L.t0, L.t1);
  const prims: Prim[] = [];
  if (inView.length > MAX_TXN_GROUPS) {
    // one tick per lane, outcome and pixel column: every decision in view shows, however many there are
    const drawn = new Set<number>();
    const outcomes = Object.keys(COLORS);
    for (const g of inView) {
      const d = g.decisions[0];
      if (d === undefined || Number.isNaN(L.ys[d.lane] as number) || !inPlot(L, L.x(d.t))) continue;
      const outcome = outcomeOf(g) ?? "undecided";
      const key = (Math.floor(L.x(d.t)) * L.ys.length + d.lane) * outcomes.length + outcomes.indexOf(outcome);
      if (drawn.has(key)) continue;
      drawn.add(key);
      const y = L.ys[d.lane] as number;
      const c = COLORS[outcome] as { band: string; ink: string };
      prims.push({
        p: "line",
        x1: L.x(d.t),
        y1: y - L.laneH * 0.42,
        x2: L.x(d.t),
        y2: y - L.laneH * 0.2,
        stroke: c.band,
        width: 1.5,
        opacity: 0.8,
        cls: "txn-tick",
      });
    }
    return prims;
  }
  // Labels are skipped where they would overlap the previous label on the same lane (the diamond still shows it).
  const labelEnd = new Map<number, number>();
  for (const g of inView) {
    const outcome = outcomeOf(g) ?? "undecided";
    const c = COLORS[outcome] as { band: string; ink: string };
    for (const v of g.votes) {
      const y = L.ys[v.lane] as number;
      if (Number.isNaN(y) || !inPlot(L, L.x(v.t))) continue;
      prims.push({
        p: "mark",
        x: L.x(v.t),
        y: y + L.laneH * 0.3,
        shape: v.vote === "yes" ? "plus" : "minus",
        size: 3,
        fill: v.vote === "yes" ? "#2e9e5b" : "#d64545",
        cls: `txn-vote txn-vote-${v.vote}`,
        title: `transaction ${g.txn}: vote ${v.vote}`,
        t: v.t,
        lane: v.lane,
      });
    }
    const d = g.decisions[0];
    const at = d ?? { lane: g.coordinator, t: g.t1 };
    const y = L.ys[at.lane] as number;
    if (Number.isNaN(y) || !inPlot(L, L.x(at.t))) continue;
    prims.push({
      p: "mark",
      x: L.x(at.t),
      y: y - L.laneH * 0.34,
      shape: "bar",
      size: 5,
      fill: c.band,
      cls: `txn-decision txn-${outcome}`,
      title: txnSummary(g),
      t: at.t,
      lane: at.lane,
    });
    const text = `${g.txn} ${outcome}`;
    const lx = L.x(at.t) + 6;
    if (lx < (labelEnd.get(at.lane) ?? Number.NEGATIVE_INFINITY)) continue;
    labelEnd.set(at.lane, lx + text.length * 6.2 + 6);
    prims.push({
      p: "text",
      x: lx,
      y: y - L.laneH * 0.34 + 3,
      text,
      fill: c.ink,
      size: 9,
      weight: "600",
      cls: "txn-label",
    });
  }
  return prims;
}

/** One line per transaction: what the tooltip and the inspector's heading say. */
export function txnSummary(g: TxnGroup): string {
  const outcome = outcomeOf(g) ?? "undecided";
  const votes = g.votes.map((v) => `${v.vote}`).join(", ");
  return (
    `transaction ${g.txn}: ${outcome}${g.decisions[0]?.reason ? ` (${g.decisions[0].reason})` : ""}; votes: ` +
    `${votes || "none"}`
  );
}

/** The transaction at (lane, t): among those spanning t on that lane, the one whose decision is nearest. */
export function txnAt(groups: readonly TxnGroup[], lane: number, t: number): TxnGroup | null {
  let best: TxnGroup | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const g of groups) {
    if (g.t0 > t || g.t1 < t || !g.lanes.includes(lane)) continue;
    const d = Math.abs((g.decisions[0]?.t ?? g.t1) - t);
    if (d < bestD) {
      bestD = d;
      best = g;
    }
  }
  return best;
}

/** Rows for the inspector (label, value), rendered by the page with textContent. */
export function txnRows(g: TxnGroup, laneName: (l: number) => string, fmt: (t: number) => string): [string, string][] {
  const rows: [string, string][] = [
    ["transaction", g.txn],
    ["outcome", outcomeOf(g) ?? "undecided"],
    ["op", g.op === null ? "?" : JSON.stringify(g.op)],
    ["coordinator", g.coordinator >= 0 ? laneName(g.coordinator) : "?"],
    ["participants", g.participants.join(", ") || "?"],
    ["span", `${fmt(g.t0)} .. ${fmt(g.t1)}`],
    ["messages", String(g.messages)],
  ];
  for (const v of g.votes) rows.push([`vote ${laneName(v.lane)}`, `${v.vote} at ${fmt(v.t)}`]);
  for (const d of g.decisions)
    rows.push([
      `decided at ${laneName(d.lane)}`,
      `${d.decision} at ${fmt(d.t)}${d.recovery ? " (recovery coordinator)" : ""}${d.reason ? `: ${d.reason}` : ""}`,
    ]);
  return rows;
}
