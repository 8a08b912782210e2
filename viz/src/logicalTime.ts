/**
 * The logical-time layout (as ShiViz draws): every event placed by its Lamport timestamp instead of its simulated
 * time. The trace records no logical clocks, so they are computed here from its causal structure: each event on a
 * lane ticks that lane's clock (program order); a delivery first takes the maximum with its send's timestamp (send ->
 * receive). A drop is the network's, not the lane's: it is placed one after the later of its lane's clock and its
 * send, and ticks nothing (a node that is down does not count the messages lost on the way to it). An event on no
 * lane (partition, heal, link) takes the largest timestamp so far and ticks nothing. So a happened-before b implies
 * L(a) < L(b), and the events with L <= x form a consistent cut: the state panel at a cursor x shows states that
 * could all have held at once.
 *
 * The layout is a second Model whose time columns hold Lamport timestamps (same lanes, messages, ops, states and
 * markers, by the same indices), so drawing, the cursor, selection, the causal cone and explanations work unchanged.
 */
import { KINDS, type Marker, type Model } from "./model.ts";
import type { TxnGroup } from "./overlays/txn.ts";
import type { Evidence } from "./prim.ts";
import { assert } from "../../sim/core/assert.ts";

const K_DROP = KINDS.indexOf("drop");

/** Per event, its Lamport timestamp (from 1). */
export function lamportTimes(m: Model): Float64Array {
  const n = m.evT.length;
  const recvOf = new Int32Array(n).fill(-1);
  for (let k = 0; k < m.msgCount; k++) {
    const e = m.msgRecv[k] as number;
    if (e >= 0) recvOf[e] = k;
  }
  const clock = new Float64Array(m.lanes.length);
  const L = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const lane = m.evLane[i] as number;
    if (lane < 0 || lane >= clock.length) {
      L[i] = max;
      continue;
    }
    let c = clock[lane] as number;
    const k = recvOf[i] as number;
    if (k >= 0) c = Math.max(c, L[m.msgEvent[k] as number] as number);
    L[i] = c + 1;
    if (m.evKind[i] !== K_DROP) clock[lane] = c + 1;
    if (c + 1 > max) max = c + 1;
  }
  return L;
}

/** Indices 0..n-1 ordered by key (whole numbers in [0, max]), ties in index order: a counting sort. */
function orderBy(n: number, key: (i: number) => number, max: number): Int32Array {
  const counts = new Int32Array(max + 2);
  for (let i = 0; i < n; i++) (counts[key(i) + 1] as number)++;
  for (let v = 1; v < counts.length; v++) counts[v] = (counts[v] as number) + (counts[v - 1] as number);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = key(i);
    out[counts[v] as number] = i;
    counts[v] = (counts[v] as number) + 1;
  }
  return out;
}

/** The Lamport layout of a physical model (see the file's comment). */
export function logicalModel(m: Model): Model {
  assert(m.clock === undefined, () => `logicalModel: expected a model in simulated time, got ${m.clock}`);
  const L = lamportTimes(m);
  let maxL = 0;
  for (let i = 0; i < L.length; i++) if ((L[i] as number) > maxL) maxL = L[i] as number;
  const tMax = maxL + 1;
  const at = (e: number) => (e >= 0 ? (L[e] as number) : tMax);
  const msgT0 = new Float64Array(m.msgCount);
  const msgT1 = new Float64Array(m.msgCount);
  for (let k = 0; k < m.msgCount; k++) {
    msgT0[k] = at(m.msgEvent[k] as number);
    // a drop at the send stays at the send (drawn on the sender's lane); anything else at its own event
    msgT1[k] = m.msgStatus[k] === 1 && m.msgT1[k] === m.msgT0[k] ? (msgT0[k] as number) : at(m.msgRecv[k] as number);
  }
  const delivered = m.msgDelivered;
  const byArrival = orderBy(delivered.length, (j) => msgT1[delivered[j] as number] as number, tMax);
  const mapMarker = (mk: Marker): Marker => ({ ...mk, t: at(mk.event) });
  const byT = <T extends { t: number }>(list: T[]): T[] => list.sort((a, b) => a.t - b.t);
  const laneClock = laneTimes(m, L);
  const logical: Model = {
    ...m,
    clock: "lamport",
    evT: L,
    evOrder: orderBy(L.length, (i) => L[i] as number, tMax),
    tMax,
    msgT0,
    msgT1,
    msgDelivered: Int32Array.from(byArrival, (j) => delivered[j] as number),
    ops: m.ops.map((o) => ({ ...o, t0: at(o.e0), t1: at(o.e1) })),
    down: m.down.map((d) => ({ ...d, t0: d.e0 >= 0 ? at(d.e0) : 0, t1: at(d.e1) })),
    partitions: m.partitions.map((p) => ({ ...p, t0: at(p.e0), t1: at(p.e1) })),
    states: m.states.map((list) => list.map((s) => ({ ...s, t: at(s.event) }))),
    markers: byT(m.markers.map(mapMarker)),
    violations: m.violations.map(mapMarker),
    commits: byT(m.commits.map((c) => ({ ...c, t: at(c.event) }))),
  };
  if (m.txns !== undefined) logical.txns = m.txns.map((g) => txnAt(g, laneClock));
  assert(logical.msgDelivered.length === delivered.length, () => "logicalModel: lost deliveries while sorting");
  return logical;
}

/** A transaction's votes and decisions placed on their lanes' clocks. */
function txnAt(g: TxnGroup, clockAt: (lane: number, t: number) => number): TxnGroup {
  const votes = g.votes.map((v) => ({ ...v, t: clockAt(v.lane, v.t) }));
  const decisions = g.decisions.map((d) => ({ ...d, t: clockAt(d.lane, d.t) }));
  const t0 = g.coordinator >= 0 ? clockAt(g.coordinator, g.t0) : Math.min(...votes.map((v) => v.t), 0);
  const t1 = Math.max(t0, decisions[0]?.t ?? (g.coordinator >= 0 ? clockAt(g.coordinator, g.t1) : t0));
  return { ...g, t0, t1, votes, decisions };
}

/**
 * A lane's Lamport time at a simulated time: the timestamp of its last event at or before t (0 before its first),
 * drops aside (they tick no clock). Built per lane from the physical model's events (sorted by time, as each lane's).
 */
export function laneTimes(m: Model, L: Float64Array): (lane: number, t: number) => number {
  let lists: { t: Float64Array; l: Float64Array }[] | null = null;
  return (lane, t) => {
    if (lists === null) {
      const counts = new Int32Array(m.lanes.length);
      for (let i = 0; i < m.evLane.length; i++) {
        const l = m.evLane[i] as number;
        if (l >= 0 && l < counts.length && m.evKind[i] !== K_DROP) (counts[l] as number)++;
      }
      const built = Array.from(counts, (c) => ({ t: new Float64Array(c), l: new Float64Array(c), n: 0 }));
      for (let i = 0; i < m.evLane.length; i++) {
        const b = built[m.evLane[i] as number];
        if (b === undefined || m.evKind[i] === K_DROP) continue;
        b.t[b.n] = m.evT[i] as number;
        b.l[b.n++] = L[i] as number;
      }
      lists = built;
    }
    const list = lists[lane];
    if (list === undefined) return 0;
    let lo = 0;
    let hi = list.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list.t[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (list.l[lo - 1] as number);
  };
}

/**
 * Converting positions between the layouts (the window, the cursor and the selection keep their place when the
 * layout is switched). Globally, simulated time t is the largest timestamp of the events up to t; timestamp x is the
 * time of the first event whose running largest timestamp reaches x. On a lane, by that lane's own events.
 */
export class LayoutMap {
  private readonly runMax: Float64Array;
  private readonly lane: (lane: number, t: number) => number;

  constructor(
    readonly physical: Model,
    readonly logical: Model,
  ) {
    const L = logical.evT;
    this.runMax = new Float64Array(L.length);
    let max = 0;
    for (let i = 0; i < L.length; i++) this.runMax[i] = max = Math.max(max, L[i] as number);
    this.lane = laneTimes(physical, L);
  }

  toLogical(t: number): number {
    const i = upper(this.physical.evT, t) - 1;
    return i < 0 ? 0 : (this.runMax[i] as number);
  }

  toPhysical(x: number): number {
    const i = upper(this.runMax, x - 0.5);
    return i >= this.runMax.length ? this.physical.tMax : (this.physical.evT[i] as number);
  }

  /** On one lane: its timestamp at simulated time t. */
  laneToLogical(lane: number, t: number): number {
    return this.lane(lane, t);
  }

  /** On one lane: the simulated time of its last event at or before timestamp x (0 before its first). */
  laneToPhysical(lane: number, x: number): number {
    const { evLane, evT, evKind } = this.physical;
    const L = this.logical.evT;
    let found = 0;
    for (let i = 0; i < evLane.length; i++) {
      if (evLane[i] !== lane || evKind[i] === K_DROP) continue;
      if ((L[i] as number) > x) break;
      found = evT[i] as number;
    }
    return found;
  }

  /**
   * Evidence placed in the logical layout: each item at its event's timestamp (by its lane's clock without one), in
   * that order.
   */
  evidence(list: readonly Evidence[]): Evidence[] {
    const L = this.logical.evT;
    const place = (e: number | undefined, lane: number, t: number) =>
      e !== undefined && e >= 0 ? (L[e] as number) : this.lane(lane, t);
    const out = list.map((e) => {
      const placed: Evidence = { ...e, t: place(e.event, e.lane, e.t) };
      if (e.since !== undefined) placed.since = place(e.sinceEvent, e.lane, e.since);
      return placed;
    });
    // listed in the layout's order, as in simulated time
    return out.sort((a, b) => (a.since ?? a.t) - (b.since ?? b.t));
  }
}

/** First index whose value is above t in a sorted column. */
function upper(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
