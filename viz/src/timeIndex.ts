/**
 * Per-model time indexes for the layers other than messages (built on first draw, cached for the model's lifetime):
 * each lane's state times and its term and leadership spans merged, markers, commits and client ops as sorted time
 * columns, so a frame finds what is in view by binary search instead of scanning the whole run.
 */
import { lowerBound, perModel, upperBound } from "./messageIndex.ts";
import { numberField } from "./hints.ts";
import type { Model, OpBar } from "./model.ts";

export interface LaneSpans {
  /** Spans of one term (t0 .. t1); term -1 when the state has none. */
  t0: Float64Array;
  t1: Float64Array;
  term: Int32Array;
  /** The role when it leads (the hints' leaderRole), else "". */
  lead: string[];
}

export interface TimeIndex {
  /** Per lane: the times of its state changes. */
  stateT: Float64Array[];
  spans: LaneSpans[];
  markerT: Float64Array;
  /** Marker texts in lower case (search), built on first search. */
  markerText: string[] | null;
  commitT: Float64Array;
  /** Per lane: its client ops in invoke order, their times, and the longest op not in `longOps`. */
  ops: OpBar[][];
  opT0: Float64Array[];
  opMaxMicros: number;
  /** Ops longer than opMaxMicros (few: at most LONG_OPS), drawn whenever they meet the view. */
  longOps: OpBar[];
}

const LONG_OPS = 64;

function laneSpans(m: Model, lane: number): LaneSpans {
  const states = m.states[lane] ?? [];
  const t0: number[] = [];
  const t1: number[] = [];
  const term: number[] = [];
  const lead: string[] = [];
  for (let k = 0; k < states.length; k++) {
    const s = states[k] as { t: number; v: Record<string, unknown> };
    const tm = numberField(s.v, m.hints.epoch) ?? -1;
    const role = m.hints.leaderRole !== undefined && s.v.role === m.hints.leaderRole ? s.v.role : "";
    const last = t0.length - 1;
    if (last >= 0 && term[last] === tm && lead[last] === role) continue;
    if (last >= 0) t1[last] = s.t;
    t0.push(s.t);
    t1.push(m.tMax);
    term.push(tm);
    lead.push(role);
  }
  return { t0: Float64Array.from(t0), t1: Float64Array.from(t1), term: Int32Array.from(term), lead };
}

function build(m: Model): TimeIndex {
  const lanes = m.lanes.length;
  const ops: OpBar[][] = m.lanes.map(() => []);
  for (const op of m.ops) if (op.lane >= 0) ops[op.lane]?.push(op);
  // Ops longer than the cut are listed apart, so the others are found from their invoke times alone.
  const durations = m.ops.map((o) => o.t1 - o.t0).sort((a, b) => b - a);
  const opMaxMicros = durations.length > LONG_OPS ? (durations[LONG_OPS] as number) : 0;
  return {
    stateT: m.states.map((list) => Float64Array.from(list, (s) => s.t)),
    spans: Array.from({ length: lanes }, (_, l) => laneSpans(m, l)),
    markerT: Float64Array.from(m.markers, (mk) => mk.t),
    markerText: null,
    commitT: Float64Array.from(m.commits, (c) => c.t),
    ops,
    opT0: ops.map((list) => Float64Array.from(list, (o) => o.t0)),
    opMaxMicros,
    longOps: m.ops.filter((o) => o.t1 - o.t0 > opMaxMicros),
  };
}

export const timeIndex = perModel(build);

/** Marker texts in lower case, for search. */
export function markerTexts(m: Model): string[] {
  const ix = timeIndex(m);
  ix.markerText ??= m.markers.map((mk) => mk.text.toLowerCase());
  return ix.markerText;
}

/** Ops of a lane that meet [t0, t1] and are not long (see longOps), as a range of ix.ops[lane]. */
export function opRange(ix: TimeIndex, lane: number, t0: number, t1: number): [number, number] {
  const ts = ix.opT0[lane] as Float64Array;
  return [lowerBound(ts, t0 - ix.opMaxMicros), upperBound(ts, t1)];
}
