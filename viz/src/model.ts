/**
 * The viewer's model of a trace: lanes (nodes grouped by datacenter, then clients), messages in typed columns,
 * client ops, down spans, partitions, state history and markers. Built once (in a worker) from the parsed trace;
 * plain data with typed arrays, so it crosses the worker boundary cheaply.
 */
import type { TraceEvent, TraceHeader } from "../../sim/trace/events.ts";
import { buildTxnGroups, type TxnGroup } from "./overlays/txn.ts";

export interface Lane {
  id: string;
  kind: "node" | "client";
  dc: string;
}

export interface OpBar {
  lane: number;
  t0: number;
  t1: number;
  outcome: "ok" | "fail" | "info" | "pending";
  op: unknown;
  value: unknown;
  node: string | null;
  req: number;
}

export interface Span {
  lane: number;
  t0: number;
  t1: number;
}

export interface PartitionSpan {
  id: string;
  kind: string;
  t0: number;
  t1: number;
  /** Lanes on each side of each blocked direction. */
  blocks: { from: number[]; to: number[] }[];
}

export interface Marker {
  t: number;
  lane: number;
  kind: string;
  text: string;
  /** Index of the event in the trace. */
  event: number;
}

export interface StateChange {
  t: number;
  v: Record<string, unknown>;
  event: number;
}

export interface Model {
  header: TraceHeader;
  lanes: Lane[];
  dcs: { name: string; first: number; last: number }[];
  tMax: number;
  /** Per event: time, kind index, lane (-1 for global events). */
  evT: Float64Array;
  evKind: Uint8Array;
  evLane: Int32Array;
  kinds: string[];
  /** Messages: send time, arrival (deliver or drop) time, lanes, type, status (0 delivered, 1 dropped, 2 in flight). */
  msgT0: Float64Array;
  msgT1: Float64Array;
  msgFrom: Int32Array;
  msgTo: Int32Array;
  msgType: Int32Array;
  msgStatus: Uint8Array;
  msgEvent: Int32Array;
  msgCount: number;
  types: string[];
  dropWhy: string[];
  ops: OpBar[];
  down: Span[];
  partitions: PartitionSpan[];
  states: StateChange[][];
  markers: Marker[];
  violations: Marker[];
  /** Raft overlay: each time a leader's commit index advanced, the acknowledgements (message indices) it had. */
  commits: { t: number; lane: number; index: number; acks: number[] }[];
  /** 2PC/3PC overlay: transactions grouped from message payloads and decide notes (overlays/txn.ts). */
  txns?: TxnGroup[];
  /** Canonical event lines (for divergence): JSON of each event. */
  lines?: string[];
}

export const KINDS = ["send", "deliver", "drop", "duplicate", "timer", "crash", "restart", "partition", "heal", "link", "clock", "disk", "invoke", "ok", "fail", "info", "state", "note", "violation"];

export function buildModel(header: TraceHeader, events: readonly TraceEvent[], keepLines = false): Model {
  const lanes: Lane[] = [];
  const dcNames = [...new Set(header.nodes.map((n) => n.dc))];
  const dcs: Model["dcs"] = [];
  for (const dc of dcNames) {
    const first = lanes.length;
    for (const n of header.nodes) if (n.dc === dc) lanes.push({ id: n.id, kind: "node", dc });
    dcs.push({ name: dc, first, last: lanes.length - 1 });
  }
  for (const c of header.clients) lanes.push({ id: c.id, kind: "client", dc: c.dc });
  const laneOf = new Map(lanes.map((l, i) => [l.id, i]));
  const lane = (id: string | undefined | null) => (id == null ? -1 : (laneOf.get(id) ?? -1));
  const n = events.length;
  const evT = new Float64Array(n);
  const evKind = new Uint8Array(n);
  const evLane = new Int32Array(n);
  const kindIndex = new Map(KINDS.map((k, i) => [k, i]));
  // One pass for the sizes: messages (sends and copies) and the highest message id.
  let sends = 0;
  let maxId = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as TraceEvent;
    if (e.k === "send") {
      sends++;
      if (e.i > maxId) maxId = e.i;
    } else if (e.k === "duplicate") {
      sends++;
      if (e.copy > maxId) maxId = e.copy;
    }
  }
  const msgT0 = new Float64Array(sends);
  const msgT1 = new Float64Array(sends).fill(Number.NaN);
  const msgFrom = new Int32Array(sends);
  const msgTo = new Int32Array(sends);
  const msgType = new Int32Array(sends);
  const msgStatus = new Uint8Array(sends).fill(2);
  const msgEvent = new Int32Array(sends);
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const dropWhy: string[] = new Array(sends).fill("");
  // Message ids are sequential from 1 (copies included): a typed array indexed by id beats a map.
  const msgIndexById = new Int32Array(maxId + 2).fill(-1);
  const msgById = {
    get: (id: number): number | undefined => {
      const k = id >= 0 && id < msgIndexById.length ? (msgIndexById[id] as number) : -1;
      return k < 0 ? undefined : k;
    },
    set: (id: number, k: number): void => {
      if (id >= 0 && id < msgIndexById.length) msgIndexById[id] = k;
    },
  };
  let m = 0;
  const ops: OpBar[] = [];
  const opByReq = new Map<number, OpBar>();
  const down: Span[] = [];
  const downSince = new Map<number, number>();
  const partitions: PartitionSpan[] = [];
  const openPartitions = new Map<string, PartitionSpan>();
  const states: StateChange[][] = lanes.map(() => []);
  const markers: Marker[] = [];
  const violations: Marker[] = [];
  const lines: string[] = [];
  const commits: Model["commits"] = [];
  const lastAck: Map<number, number>[] = lanes.map(() => new Map());
  const lastCommit = new Float64Array(lanes.length);
  let tMax = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as TraceEvent;
    if (keepLines) lines.push(JSON.stringify(e));
    evT[i] = e.t;
    evKind[i] = kindIndex.get(e.k) ?? 0;
    tMax = Math.max(tMax, e.t);
    switch (e.k) {
      case "send":
      case "duplicate": {
        const id = e.k === "send" ? e.i : e.copy;
        const src = e.k === "send" ? e : (events[msgEvent[msgById.get(e.i) ?? 0] ?? 0] as Extract<TraceEvent, { k: "send" }>);
        const ty = src?.k === "send" ? src.ty : "message";
        let ti = typeIndex.get(ty);
        if (ti === undefined) {
          ti = types.length;
          types.push(ty);
          typeIndex.set(ty, ti);
        }
        msgT0[m] = e.t;
        msgFrom[m] = lane(e.n);
        msgTo[m] = lane(e.to);
        msgType[m] = ti;
        msgEvent[m] = i;
        msgById.set(id, m);
        m++;
        evLane[i] = lane(e.n);
        break;
      }
      case "deliver": {
        const k = msgById.get(e.i);
        if (k !== undefined) {
          msgT1[k] = e.t;
          msgStatus[k] = 0;
          if (types[msgType[k] as number] === "append-resp") lastAck[lane(e.n)]?.set(msgFrom[k] as number, k);
        }
        evLane[i] = lane(e.n);
        break;
      }
      case "drop": {
        const k = msgById.get(e.i);
        if (k !== undefined) {
          msgT1[k] = e.t;
          msgStatus[k] = 1;
          dropWhy[k] = e.why;
        }
        evLane[i] = lane(e.n);
        break;
      }
      case "crash":
        evLane[i] = lane(e.n);
        downSince.set(evLane[i] as number, e.t);
        // A crash ends the node's state span (role, term band, leadership) until it restarts.
        states[lane(e.n)]?.push({ t: e.t, v: { role: "down" }, event: i });
        markers.push({ t: e.t, lane: evLane[i] as number, kind: "crash", text: `${e.n} crashed`, event: i });
        break;
      case "restart": {
        const l = lane(e.n);
        evLane[i] = l;
        down.push({ lane: l, t0: downSince.get(l) ?? 0, t1: e.t });
        downSince.delete(l);
        markers.push({ t: e.t, lane: l, kind: "restart", text: `${e.n} restarted`, event: i });
        break;
      }
      case "partition": {
        evLane[i] = -1;
        const p: PartitionSpan = { id: e.id, kind: e.kind, t0: e.t, t1: Number.NaN, blocks: e.blocks.map((b) => ({ from: b.from.map(lane), to: b.to.map(lane) })) };
        partitions.push(p);
        openPartitions.set(e.id, p);
        markers.push({ t: e.t, lane: -1, kind: "partition", text: `partition ${e.id} (${e.kind})`, event: i });
        break;
      }
      case "heal":
        evLane[i] = -1;
        for (const [id, p] of openPartitions) {
          if (e.id === "*" || e.id === id) {
            p.t1 = e.t;
            openPartitions.delete(id);
          }
        }
        markers.push({ t: e.t, lane: -1, kind: "heal", text: `heal ${e.id}`, event: i });
        break;
      case "link":
        evLane[i] = -1;
        markers.push({ t: e.t, lane: -1, kind: "link", text: `link ${e.a} <-> ${e.b}: ${JSON.stringify(e.change)}`, event: i });
        break;
      case "clock":
      case "disk":
        evLane[i] = lane(e.n);
        markers.push({ t: e.t, lane: evLane[i] as number, kind: e.k, text: e.k === "clock" ? `${e.n} clock offset ${e.offset}us drift ${e.drift}ppm` : `${e.n} disk ${e.fault}${e.key ? ` (${e.key})` : ""}`, event: i });
        break;
      case "timer":
        evLane[i] = lane(e.n);
        break;
      case "invoke": {
        const bar: OpBar = { lane: lane(e.c), t0: e.t, t1: Number.NaN, outcome: "pending", op: e.op, value: null, node: e.n, req: e.r };
        ops.push(bar);
        opByReq.set(e.r, bar);
        evLane[i] = bar.lane;
        break;
      }
      case "ok":
      case "fail":
      case "info": {
        const bar = opByReq.get(e.r);
        evLane[i] = lane(e.c);
        if (bar) {
          bar.t1 = e.t;
          bar.outcome = e.k;
          bar.value = e.v;
          bar.node = e.n ?? bar.node;
        }
        break;
      }
      case "state":
        evLane[i] = lane(e.n);
        states[lane(e.n)]?.push({ t: e.t, v: e.v, event: i });
        if (e.v.role === "leader" && typeof e.v.commitIndex === "number" && e.v.commitIndex > (lastCommit[lane(e.n)] ?? 0)) {
          const acks = [...(lastAck[lane(e.n)]?.values() ?? [])].filter((k) => (msgT1[k] as number) <= e.t && (msgT1[k] as number) >= e.t - 10_000_000);
          commits.push({ t: e.t, lane: lane(e.n), index: e.v.commitIndex, acks });
        }
        if (typeof e.v.commitIndex === "number") lastCommit[lane(e.n)] = e.v.commitIndex;
        break;
      case "note":
        evLane[i] = lane(e.n);
        markers.push({ t: e.t, lane: evLane[i] as number, kind: "note", text: e.text, event: i });
        break;
      case "violation":
        evLane[i] = lane(e.n);
        violations.push({ t: e.t, lane: evLane[i] as number, kind: "violation", text: `${e.check}: ${e.message}`, event: i });
        break;
    }
  }
  tMax = Math.max(tMax, header.scenario.durationMicros ?? 0);
  for (const [l, t0] of downSince) down.push({ lane: l, t0, t1: tMax });
  for (const p of openPartitions.values()) p.t1 = tMax;
  for (const b of ops) if (Number.isNaN(b.t1)) b.t1 = tMax;
  for (let k = 0; k < m; k++) if (Number.isNaN(msgT1[k] as number)) msgT1[k] = tMax;
  const model: Model = { header, lanes, dcs, tMax, evT, evKind, evLane, kinds: KINDS, msgT0, msgT1, msgFrom, msgTo, msgType, msgStatus, msgEvent, msgCount: m, types, dropWhy, ops, down, partitions, states, markers, violations, commits };
  if (keepLines) model.lines = lines;
  const txns = buildTxnGroups(header, events, lane);
  if (txns !== undefined) model.txns = txns;
  return model;
}

/** A lane's view at time t: the last state change at or before t. */
export function viewAt(model: Model, lane: number, t: number): StateChange | null {
  const list = model.states[lane] ?? [];
  let lo = 0;
  let hi = list.length - 1;
  let found: StateChange | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid] as StateChange;
    if (s.t <= t) {
      found = s;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Causal cone: for each lane, the latest time whose events happened-before (or are) the selected event at (lane, t).
 * Program order within a lane, plus send -> deliver across lanes, closed transitively.
 */
export function causalCone(model: Model, lane: number, t: number): Float64Array {
  const until = new Float64Array(model.lanes.length).fill(Number.NEGATIVE_INFINITY);
  until[lane] = t;
  // deliveries into each lane: [deliver time, sender lane, send time]
  const into: [number, number, number][][] = model.lanes.map(() => []);
  for (let k = 0; k < model.msgCount; k++) {
    if (model.msgStatus[k] !== 0) continue;
    into[model.msgTo[k] as number]?.push([model.msgT1[k] as number, model.msgFrom[k] as number, model.msgT0[k] as number]);
  }
  const queue = [lane];
  while (queue.length > 0) {
    const l = queue.pop() as number;
    for (const [t1, from, t0] of into[l] ?? []) {
      if (t1 <= (until[l] as number) && t0 > (until[from] as number)) {
        until[from] = t0;
        queue.push(from);
      }
    }
  }
  return until;
}

/** First event where two runs differ (by their canonical lines), with its time in each run; null if identical. */
export function firstDivergence(a: Model, b: Model): { index: number; tA: number; tB: number } | null {
  const la = a.lines ?? [];
  const lb = b.lines ?? [];
  const n = Math.min(la.length, lb.length);
  for (let i = 0; i < n; i++) {
    if (la[i] !== lb[i]) return { index: i, tA: a.evT[i] as number, tB: b.evT[i] as number };
  }
  if (la.length === lb.length) return null;
  return { index: n, tA: n < la.length ? (a.evT[n] as number) : a.tMax, tB: n < lb.length ? (b.evT[n] as number) : b.tMax };
}

/** Events of a kind (or any kind) on a lane (or any lane): the next (dir 1) or previous (dir -1) one after t. */
export function stepEvent(model: Model, t: number, dir: 1 | -1, lane: number | null, kind: string | null): number | null {
  const k = kind === null ? -1 : model.kinds.indexOf(kind);
  const n = model.evT.length;
  if (dir === 1) {
    for (let i = 0; i < n; i++) {
      if ((model.evT[i] as number) <= t) continue;
      if ((lane === null || model.evLane[i] === lane) && (k < 0 || model.evKind[i] === k)) return model.evT[i] as number;
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      if ((model.evT[i] as number) >= t) continue;
      if ((lane === null || model.evLane[i] === lane) && (k < 0 || model.evKind[i] === k)) return model.evT[i] as number;
    }
  }
  return null;
}
