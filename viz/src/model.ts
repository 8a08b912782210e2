/**
 * The viewer's model of a trace: lanes (nodes grouped by datacenter, then clients), messages in typed columns,
 * client ops, down spans, partitions, state history and markers. Built once (in a worker) from the parsed trace;
 * plain data with typed arrays, so it crosses the worker boundary cheaply.
 */
import type { TraceEvent, TraceFooter, TraceHeader } from "../../sim/trace/events.ts";
import { TRACE_EVENT_KINDS } from "../../sim/trace/events.ts";
import type { ViewHints } from "../../sim/core/viewHints.ts";
import { hintsOf, numberField, progressField } from "./hints.ts";
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
  /** The invoke event and the completion event (-1 while pending): the Lamport layout places the bar by them. */
  e0: number;
  e1: number;
}

export interface Span {
  lane: number;
  t0: number;
  t1: number;
  /** The events that start and end it (-1: open at the run's end). */
  e0: number;
  e1: number;
}

export interface PartitionSpan {
  id: string;
  kind: string;
  t0: number;
  t1: number;
  /** Lanes on each side of each blocked direction. */
  blocks: { from: number[]; to: number[] }[];
  /** The partition and heal events (-1: never healed). */
  e0: number;
  e1: number;
}

export interface Marker {
  t: number;
  lane: number;
  kind: string;
  text: string;
  /** Index of the event in the trace. */
  event: number;
  /** A linearizability violation's minimal counterexample: the request ids of its client ops. */
  ops?: number[];
}

export interface StateChange {
  t: number;
  v: Record<string, unknown>;
  event: number;
}

export interface Model {
  header: TraceHeader;
  /**
   * What the time columns hold: absent for simulated microseconds; "lamport" for the logical-time layout's Lamport
   * timestamps (logicalTime.ts), where `evOrder` lists the events in timestamp order.
   */
  clock?: "lamport";
  evOrder?: Int32Array;
  /** The header's view hints, checked (hints.ts): the only way the viewer knows what a protocol's views mean. */
  hints: ViewHints;
  /** Why the run stopped (the trace's end line), if it says. */
  stop: TraceFooter["stop"] | null;
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
  /** The event that delivered or dropped each message (-1: in flight at the end). */
  msgRecv: Int32Array;
  /** Delivered messages in order of delivery (so by arrival time): the causal cone walks them backwards. */
  msgDelivered: Int32Array;
  msgCount: number;
  types: string[];
  dropWhy: string[];
  ops: OpBar[];
  down: Span[];
  partitions: PartitionSpan[];
  states: StateChange[][];
  markers: Marker[];
  violations: Marker[];
  /**
   * Commit quorums (log hint): each time a leader's commit index advanced, the acknowledgements that made it, as
   * message indices: per follower whose match index had reached the new commit index, the message delivered when the
   * leader's view first showed it there in this leadership.
   */
  commits: { t: number; lane: number; index: number; acks: number[]; event: number }[];
  /** 2PC/3PC overlay: transactions grouped from message payloads and decide notes (overlays/txn.ts). */
  txns?: TxnGroup[];
  /** Payloads of the messages whose type an evidence hint names (by message index), for explanations. */
  payloads?: Map<number, unknown>;
  /** Canonical event lines (for divergence): JSON of each event. */
  lines?: string[];
  /** The protocol's metric values (`metric` events), in trace order, for the metrics panel. */
  metricPoints: { t: number; name: string; label: string | null; v: number }[];
}

/** Trace event kinds in the engine's order (K_SEND = 0 and the rest below index into it). */
export const KINDS: string[] = [...TRACE_EVENT_KINDS];

/** Build the model of a parsed trace (the worker streams lines into a ModelBuilder instead). */
export function buildModel(
  header: TraceHeader,
  events: readonly TraceEvent[],
  keepLines = false,
  footer: TraceFooter | null = null,
): Model {
  const b = new ModelBuilder(header, keepLines);
  for (let i = 0; i < events.length; i++) b.event(events[i] as TraceEvent);
  return b.finish(footer);
}

const KIND_INDEX = new Map(KINDS.map((k, i) => [k, i]));
const K_SEND = 0;
const K_DELIVER = 1;
const K_DROP = 2;
const K_DUPLICATE = 3;
const K_TIMER = 4;
/** Message ids are sequential from 1: below this they index a typed array, above it a map. */
const MAX_ARRAY_ID = 1 << 24;

function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, size: number, fill: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * Builds the model one event at a time, in trace order, into growing typed columns. `event` takes a parsed event;
 * `send`, `deliver`, `drop`, `duplicate` and `timer` take the same events already reduced to numbers (lane and type
 * indices), which is what the worker's fast path reads from the bytes without making an object. `event` calls the
 * same methods, so both routes build the same model.
 */
export class ModelBuilder {
  readonly lanes: Lane[] = [];
  private readonly dcs: Model["dcs"] = [];
  private readonly laneOf: Map<string, number>;
  /** Transaction hint: the overlay reads message payloads, so sends must come as parsed events (to `event`). */
  readonly wantsSendEvents: boolean;
  private readonly keptEvents: TraceEvent[] = [];
  /** Message types whose payloads an evidence hint reads. */
  private readonly payloadTypes: Set<string>;
  private readonly payloads = new Map<number, unknown>();
  private n = 0;
  private evT = new Float64Array(1 << 14);
  private evKind = new Uint8Array(1 << 14);
  private evLane = new Int32Array(1 << 14);
  private m = 0;
  private msgT0 = new Float64Array(1 << 13);
  private msgT1 = new Float64Array(1 << 13).fill(Number.NaN);
  private msgFrom = new Int32Array(1 << 13);
  private msgTo = new Int32Array(1 << 13);
  private msgType = new Int32Array(1 << 13);
  private msgStatus = new Uint8Array(1 << 13).fill(2);
  private msgEvent = new Int32Array(1 << 13);
  private msgRecv = new Int32Array(1 << 13).fill(-1);
  /** 1 where the message is a network copy (its type is the original's). */
  private msgCopy = new Uint8Array(1 << 13);
  private delivered = new Int32Array(1 << 13);
  private d = 0;
  private readonly dropWhy: string[] = [];
  private readonly types: string[] = [];
  private readonly typeIndex = new Map<string, number>();
  private msgIndexById = new Int32Array(1 << 14).fill(-1);
  private readonly msgIndexByBigId = new Map<number, number>();
  private readonly ops: OpBar[] = [];
  private readonly opByReq = new Map<number, OpBar>();
  private readonly down: Span[] = [];
  private readonly downSince = new Map<number, { t: number; event: number }>();
  private readonly partitions: PartitionSpan[] = [];
  private readonly openPartitions = new Map<string, PartitionSpan>();
  private readonly states: StateChange[][];
  private readonly markers: Marker[] = [];
  private readonly violations: Marker[] = [];
  private readonly metricPoints: Model["metricPoints"] = [];
  private readonly lines: string[] = [];
  private readonly commits: Model["commits"] = [];
  readonly hints: ViewHints;
  /** Per lane, the message delivered last (-1 none): a state change right after a delivery was caused by it. */
  private readonly lastDelivery: Int32Array;
  /** Per leader lane, in its current leadership: per follower, each rise of its match index and the ack behind it. */
  private readonly rises: Map<string, { match: number; ack: number }[]>[];
  private readonly leadership: string[];
  private readonly lastMatch: (Record<string, number> | null)[];
  private readonly lastCommit: Float64Array;
  private tMax = 0;

  constructor(
    readonly header: TraceHeader,
    private readonly keepLines = false,
  ) {
    const lanes = this.lanes;
    for (const dc of new Set(header.nodes.map((n) => n.dc))) {
      const first = lanes.length;
      for (const n of header.nodes) if (n.dc === dc) lanes.push({ id: n.id, kind: "node", dc });
      this.dcs.push({ name: dc, first, last: lanes.length - 1 });
    }
    for (const c of header.clients) lanes.push({ id: c.id, kind: "client", dc: c.dc });
    this.laneOf = new Map(lanes.map((l, i) => [l.id, i]));
    this.states = lanes.map(() => []);
    this.hints = hintsOf(header);
    this.lastDelivery = new Int32Array(lanes.length).fill(-1);
    this.rises = lanes.map(() => new Map());
    this.leadership = lanes.map(() => "");
    this.lastMatch = lanes.map(() => null);
    this.lastCommit = new Float64Array(lanes.length);
    this.payloadTypes = new Set();
    for (const e of this.hints.evidence ?? []) if (e.messages !== undefined) this.payloadTypes.add(e.messages.type);
    this.wantsSendEvents = this.hints.transactions !== undefined;
  }

  /** Whether sends of this message type must come as parsed events (to `event`): an evidence hint reads them. */
  wantsPayload(type: string): boolean {
    return this.wantsSendEvents || this.payloadTypes.has(type);
  }

  /** Events so far. */
  get count(): number {
    return this.n;
  }

  /** A node's or client's lane, -1 if the header does not list it. */
  lane(id: string | undefined | null): number {
    return id == null ? -1 : (this.laneOf.get(id) ?? -1);
  }

  /** The index of a message type, assigned in order of first use. */
  typeOf(ty: string): number {
    let ti = this.typeIndex.get(ty);
    if (ti === undefined) {
      ti = this.types.length;
      this.types.push(ty);
      this.typeIndex.set(ty, ti);
    }
    return ti;
  }

  /** Start event i (the next one): its time, kind and lane. */
  private begin(t: number, kind: number, lane: number): number {
    const i = this.n++;
    if (i === this.evT.length) {
      const size = i * 2;
      this.evT = grown(this.evT, size, 0);
      this.evKind = grown(this.evKind, size, 0);
      this.evLane = grown(this.evLane, size, 0);
    }
    this.evT[i] = t;
    this.evKind[i] = kind;
    this.evLane[i] = lane;
    if (t > this.tMax) this.tMax = t;
    return i;
  }

  private msgIndex(id: number): number {
    if (id >= 0 && id < this.msgIndexById.length) return this.msgIndexById[id] as number;
    return id >= MAX_ARRAY_ID ? (this.msgIndexByBigId.get(id) ?? -1) : -1;
  }

  private newMessage(t: number, from: number, to: number, id: number, type: number, event: number, copy: number): void {
    const k = this.m++;
    if (k === this.msgT0.length) {
      const size = k * 2;
      this.msgT0 = grown(this.msgT0, size, 0);
      this.msgT1 = grown(this.msgT1, size, Number.NaN);
      this.msgFrom = grown(this.msgFrom, size, 0);
      this.msgTo = grown(this.msgTo, size, 0);
      this.msgType = grown(this.msgType, size, 0);
      this.msgStatus = grown(this.msgStatus, size, 2);
      this.msgEvent = grown(this.msgEvent, size, 0);
      this.msgRecv = grown(this.msgRecv, size, -1);
      this.msgCopy = grown(this.msgCopy, size, 0);
    }
    this.msgT0[k] = t;
    this.msgFrom[k] = from;
    this.msgTo[k] = to;
    this.msgType[k] = type;
    this.msgEvent[k] = event;
    this.msgCopy[k] = copy;
    this.dropWhy.push("");
    // Ids that are not whole numbers >= 0 identify nothing (a delivery cannot find them).
    if (!Number.isInteger(id) || id < 0) return;
    if (id >= MAX_ARRAY_ID) {
      this.msgIndexByBigId.set(id, k);
      return;
    }
    if (id >= this.msgIndexById.length)
      this.msgIndexById = grown(this.msgIndexById, Math.max(id + 1, this.msgIndexById.length * 2), -1);
    this.msgIndexById[id] = k;
  }

  send(t: number, from: number, to: number, id: number, type: number): void {
    const i = this.begin(t, K_SEND, from);
    this.newMessage(t, from, to, id, type, i, 0);
  }

  /** The network copied message `id` as message `copy`; the copy has the original's type ("message" if unknown). */
  duplicate(t: number, from: number, to: number, id: number, copy: number): void {
    const i = this.begin(t, K_DUPLICATE, from);
    const k = this.msgIndex(id);
    const type = k >= 0 && this.msgCopy[k] === 0 ? (this.msgType[k] as number) : this.typeOf("message");
    this.newMessage(t, from, to, copy, type, i, 1);
  }

  deliver(t: number, lane: number, id: number): void {
    const i = this.begin(t, K_DELIVER, lane);
    const k = this.msgIndex(id);
    if (k < 0) return;
    this.msgT1[k] = t;
    this.msgRecv[k] = i;
    this.msgStatus[k] = 0;
    if (this.d === this.delivered.length) this.delivered = grown(this.delivered, this.d * 2, 0);
    this.delivered[this.d++] = k;
    if (lane >= 0) this.lastDelivery[lane] = k;
  }

  drop(t: number, lane: number, id: number, why: string): void {
    const i = this.begin(t, K_DROP, lane);
    const k = this.msgIndex(id);
    if (k < 0) return;
    this.msgT1[k] = t;
    this.msgRecv[k] = i;
    this.msgStatus[k] = 1;
    this.dropWhy[k] = why;
  }

  timer(t: number, lane: number): void {
    this.begin(t, K_TIMER, lane);
  }

  /** Any event, parsed. */
  event(e: TraceEvent): void {
    if (this.keepLines) this.lines.push(JSON.stringify(e));
    switch (e.k) {
      case "send":
        if (this.hints.transactions !== undefined) this.keptEvents.push(e);
        if (this.payloadTypes.has(e.ty) && e.m !== undefined) this.payloads.set(this.m, e.m);
        return this.send(e.t, this.lane(e.n), this.lane(e.to), e.i, this.typeOf(e.ty));
      case "duplicate":
        return this.duplicate(e.t, this.lane(e.n), this.lane(e.to), e.i, e.copy);
      case "deliver":
        return this.deliver(e.t, this.lane(e.n), e.i);
      case "drop":
        return this.drop(e.t, this.lane(e.n), e.i, e.why);
      case "timer":
        return this.timer(e.t, this.lane(e.n));
    }
    const kind = KIND_INDEX.get(e.k) ?? 0;
    switch (e.k) {
      case "crash": {
        const l = this.lane(e.n);
        const i = this.begin(e.t, kind, l);
        this.downSince.set(l, { t: e.t, event: i });
        // A crash ends the node's state span (role, term band, leadership) until it restarts.
        this.states[l]?.push({ t: e.t, v: { role: "down" }, event: i });
        this.markers.push({ t: e.t, lane: l, kind: "crash", text: `${e.n} crashed`, event: i });
        break;
      }
      case "restart": {
        const l = this.lane(e.n);
        const i = this.begin(e.t, kind, l);
        const since = this.downSince.get(l);
        this.down.push({ lane: l, t0: since?.t ?? 0, t1: e.t, e0: since?.event ?? -1, e1: i });
        this.downSince.delete(l);
        this.markers.push({ t: e.t, lane: l, kind: "restart", text: `${e.n} restarted`, event: i });
        break;
      }
      case "partition": {
        const i = this.begin(e.t, kind, -1);
        const p: PartitionSpan = {
          id: e.id,
          kind: e.kind,
          t0: e.t,
          t1: Number.NaN,
          blocks: e.blocks.map((b) => ({ from: b.from.map((x) => this.lane(x)), to: b.to.map((x) => this.lane(x)) })),
          e0: i,
          e1: -1,
        };
        this.partitions.push(p);
        this.openPartitions.set(e.id, p);
        this.markers.push({ t: e.t, lane: -1, kind: "partition", text: `partition ${e.id} (${e.kind})`, event: i });
        break;
      }
      case "heal": {
        const i = this.begin(e.t, kind, -1);
        for (const [id, p] of this.openPartitions) {
          if (e.id === "*" || e.id === id) {
            p.t1 = e.t;
            p.e1 = i;
            this.openPartitions.delete(id);
          }
        }
        this.markers.push({ t: e.t, lane: -1, kind: "heal", text: `heal ${e.id}`, event: i });
        break;
      }
      case "link": {
        const i = this.begin(e.t, kind, -1);
        this.markers.push({
          t: e.t,
          lane: -1,
          kind: "link",
          text: `link ${e.a} <-> ${e.b}: ${JSON.stringify(e.change)}`,
          event: i,
        });
        break;
      }
      case "clock":
      case "disk": {
        const l = this.lane(e.n);
        const i = this.begin(e.t, kind, l);
        this.markers.push({
          t: e.t,
          lane: l,
          kind: e.k,
          text:
            e.k === "clock"
              ? `${e.n} clock offset ${e.offset}us drift ${e.drift}ppm`
              : `${e.n} disk ${e.fault}${e.key ? ` (${e.key})` : ""}`,
          event: i,
        });
        break;
      }
      case "invoke": {
        const bar: OpBar = {
          e0: this.n,
          e1: -1,
          lane: this.lane(e.c),
          t0: e.t,
          t1: Number.NaN,
          outcome: "pending",
          op: e.op,
          value: null,
          node: e.n,
          req: e.r,
        };
        this.begin(e.t, kind, bar.lane);
        this.ops.push(bar);
        this.opByReq.set(e.r, bar);
        break;
      }
      case "ok":
      case "fail":
      case "info": {
        const i = this.begin(e.t, kind, this.lane(e.c));
        const bar = this.opByReq.get(e.r);
        if (bar) {
          bar.t1 = e.t;
          bar.e1 = i;
          bar.outcome = e.k;
          bar.value = e.v;
          bar.node = e.n ?? bar.node;
        }
        break;
      }
      case "state":
        this.state(e, kind);
        break;
      case "note": {
        if (this.hints.transactions !== undefined) this.keptEvents.push(e);
        const l = this.lane(e.n);
        const i = this.begin(e.t, kind, l);
        this.markers.push({ t: e.t, lane: l, kind: "note", text: e.text, event: i });
        break;
      }
      case "violation": {
        const l = this.lane(e.n);
        const i = this.begin(e.t, kind, l);
        const v: Marker = { t: e.t, lane: l, kind: "violation", text: `${e.check}: ${e.message}`, event: i };
        if (e.ops !== undefined) v.ops = e.ops;
        this.violations.push(v);
        break;
      }
      case "metric":
        this.begin(e.t, kind, e.n === undefined ? -1 : this.lane(e.n));
        this.metricPoints.push({ t: e.t, name: e.name, label: e.l ?? null, v: e.v });
        break;
    }
  }

  /** A state change; for a leader whose commit index advanced, the acknowledgements that made the quorum. */
  private state(e: Extract<TraceEvent, { k: "state" }>, kind: number): void {
    const l = this.lane(e.n);
    const i = this.begin(e.t, kind, l);
    this.states[l]?.push({ t: e.t, v: e.v, event: i });
    const log = this.hints.log;
    if (l < 0 || log === undefined) return;
    const commit = numberField(e.v, log.commit);
    const leads = this.hints.leaderRole !== undefined && e.v.role === this.hints.leaderRole;
    if (leads) this.trackProgress(e, l);
    else {
      this.leadership[l] = "";
      this.lastMatch[l] = null;
    }
    if (leads && commit !== null && commit > (this.lastCommit[l] ?? 0))
      this.commits.push({ t: e.t, lane: l, index: commit, acks: this.acksFor(l, commit), event: i });
    if (commit !== null) this.lastCommit[l] = commit;
  }

  /**
   * A leader's view: a new leadership (epoch) starts its progress afresh; a follower whose match index rose since the
   * last view got there through the message just delivered from it (the view is recorded after the step).
   */
  private trackProgress(e: Extract<TraceEvent, { k: "state" }>, l: number): void {
    const epoch = `${String(numberField(e.v, this.hints.epoch))}`;
    const rises = this.rises[l] as Map<string, { match: number; ack: number }[]>;
    if (this.leadership[l] !== epoch) {
      this.leadership[l] = epoch;
      this.lastMatch[l] = null;
      rises.clear();
    }
    const match = progressField(e.v, this.hints.log?.match);
    if (match === null) return;
    const before = this.lastMatch[l] ?? null;
    const k = this.lastDelivery[l] as number;
    const delivered = k >= 0 && this.msgT1[k] === e.t ? k : -1;
    for (const [f, m] of Object.entries(match)) {
      if (before !== null && m <= (before[f] ?? 0)) continue;
      if (before === null && m <= 0) continue;
      const from = delivered >= 0 ? this.lanes[this.msgFrom[delivered] as number]?.id : undefined;
      const ack = from === f ? delivered : -1;
      let list = rises.get(f);
      if (list === undefined) rises.set(f, (list = []));
      list.push({ match: m, ack });
    }
    this.lastMatch[l] = match;
  }

  /** The acks behind commit index `c` of leader lane l: per follower, the first rise of its match to c or above. */
  private acksFor(l: number, c: number): number[] {
    const acks: number[] = [];
    for (const list of this.rises[l]?.values() ?? []) {
      const r = list.find((x) => x.match >= c);
      if (r !== undefined && r.ack >= 0) acks.push(r.ack);
    }
    return acks.sort((a, b) => (this.msgT1[a] as number) - (this.msgT1[b] as number));
  }

  /**
   * The finished model: spans still open end at the last time, columns are cut to their length. The run ends at the
   * end line's time when there is one (a run stopped by a violation or a limit ends there, not at its planned
   * duration), else at its planned duration.
   */
  finish(footer: TraceFooter | null = null): Model {
    const { header, n, m } = this;
    const tMax = Math.max(
      this.tMax,
      footer !== null && Number.isFinite(footer.t) ? footer.t : (header.scenario.durationMicros ?? 0),
    );
    for (const [l, s] of this.downSince) this.down.push({ lane: l, t0: s.t, t1: tMax, e0: s.event, e1: -1 });
    for (const p of this.openPartitions.values()) p.t1 = tMax;
    for (const b of this.ops) if (Number.isNaN(b.t1)) b.t1 = tMax;
    const msgT1 = this.msgT1.slice(0, m);
    for (let k = 0; k < m; k++) if (Number.isNaN(msgT1[k] as number)) msgT1[k] = tMax;
    const model: Model = {
      header,
      hints: this.hints,
      stop: footer?.stop ?? null,
      lanes: this.lanes,
      dcs: this.dcs,
      tMax,
      evT: this.evT.slice(0, n),
      evKind: this.evKind.slice(0, n),
      evLane: this.evLane.slice(0, n),
      kinds: KINDS,
      msgT0: this.msgT0.slice(0, m),
      msgT1,
      msgFrom: this.msgFrom.slice(0, m),
      msgTo: this.msgTo.slice(0, m),
      msgType: this.msgType.slice(0, m),
      msgStatus: this.msgStatus.slice(0, m),
      msgEvent: this.msgEvent.slice(0, m),
      msgRecv: this.msgRecv.slice(0, m),
      msgDelivered: this.delivered.slice(0, this.d),
      msgCount: m,
      types: this.types,
      dropWhy: this.dropWhy,
      ops: this.ops,
      down: this.down,
      partitions: this.partitions,
      states: this.states,
      markers: this.markers,
      violations: this.violations,
      commits: this.commits,
      metricPoints: this.metricPoints,
    };
    if (this.keepLines) model.lines = this.lines;
    const txns = buildTxnGroups(this.hints.transactions, this.keptEvents, (id) => this.lane(id));
    if (txns !== undefined) model.txns = txns;
    if (this.payloadTypes.size > 0) model.payloads = this.payloads;
    return model;
  }
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
 * Program order within a lane, plus send -> deliver across lanes, closed transitively. One backward pass over the
 * deliveries up to t, latest first: a delivery can only pull a lane's time back to before its own arrival, so every
 * delivery that can still join the cone is met after the ones that let it in. Deliveries at the same instant are
 * repeated until none changes anything.
 */
export function causalCone(model: Model, lane: number, t: number): Float64Array {
  return causalConeOf(model, [{ lane, t }]);
}

/**
 * The causal cone of several events at once (their union): a violation's evidence. The same backward pass, from the
 * latest of them; each seeds its own lane.
 */
export function causalConeOf(
  model: Model,
  seeds: readonly { lane: number; t: number; cone?: boolean }[],
): Float64Array {
  const until = new Float64Array(model.lanes.length).fill(Number.NEGATIVE_INFINITY);
  let t = Number.NEGATIVE_INFINITY;
  for (const s of seeds) {
    if (s.lane < 0 || s.lane >= until.length || s.cone === false) continue;
    until[s.lane] = Math.max(until[s.lane] as number, s.t);
    t = Math.max(t, s.t);
  }
  const order = model.msgDelivered;
  const { msgT0, msgT1, msgFrom, msgTo } = model;
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((msgT1[order[mid] as number] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  let i = lo - 1;
  while (i >= 0) {
    const at = msgT1[order[i] as number] as number;
    let first = i;
    while (first > 0 && msgT1[order[first - 1] as number] === at) first--;
    for (let changed = true; changed; ) {
      changed = false;
      for (let j = i; j >= first; j--) {
        const k = order[j] as number;
        const from = msgFrom[k] as number;
        const t0 = msgT0[k] as number;
        if (from >= 0 && at <= (until[msgTo[k] as number] as number) && t0 > (until[from] as number)) {
          until[from] = t0;
          changed = true;
        }
      }
    }
    i = first - 1;
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
  return {
    index: n,
    tA: n < la.length ? (a.evT[n] as number) : a.tMax,
    tB: n < lb.length ? (b.evT[n] as number) : b.tMax,
  };
}

/** Where one lane's history differs between two runs: its first differing event in each. */
export interface Divergence {
  lane: number;
  /** Index (in run a's events) of the lane's first event that differs, and its time in each run. */
  index: number;
  tA: number;
  tB: number;
}

/**
 * Every divergence between two runs: per lane, the first event of its own history (its events in order, by their
 * canonical lines) that differs, in time order. The runs' first divergence is the earliest; the others say when each
 * other node's (and client's) history stopped matching, which a single first divergence hides.
 */
export function divergences(a: Model, b: Model): Divergence[] {
  const la = a.lines ?? [];
  const lb = b.lines ?? [];
  const out: Divergence[] = [];
  for (let lane = 0; lane < Math.min(a.lanes.length, b.lanes.length); lane++) {
    let i = 0;
    let j = 0;
    for (;;) {
      while (i < la.length && a.evLane[i] !== lane) i++;
      while (j < lb.length && b.evLane[j] !== lane) j++;
      if (i >= la.length && j >= lb.length) break;
      if (i >= la.length || j >= lb.length || la[i] !== lb[j]) {
        out.push({
          lane,
          index: Math.min(i, la.length),
          tA: i < la.length ? (a.evT[i] as number) : a.tMax,
          tB: j < lb.length ? (b.evT[j] as number) : b.tMax,
        });
        break;
      }
      i++;
      j++;
    }
  }
  return out.sort((x, y) => Math.min(x.tA, x.tB) - Math.min(y.tA, y.tB) || x.lane - y.lane);
}

/**
 * Events of a kind (or any kind) on a lane (or any lane): the time of the next (dir 1) or previous (dir -1) one after
 * t. Walks the events in time order: trace order, or `evOrder` in the Lamport layout (where trace order is not).
 */
export function stepEvent(
  model: Model,
  t: number,
  dir: 1 | -1,
  lane: number | null,
  kind: string | null,
): number | null {
  const k = kind === null ? -1 : model.kinds.indexOf(kind);
  const { evT, evLane, evKind, evOrder } = model;
  const n = evT.length;
  const at = evOrder === undefined ? (i: number) => i : (i: number) => evOrder[i] as number;
  // first event after t (dir 1) or first at or after t (dir -1), by binary search on the sorted times
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const tm = evT[at(mid)] as number;
    if (tm < t || (dir === 1 && tm === t)) lo = mid + 1;
    else hi = mid;
  }
  const matches = (e: number) => (lane === null || evLane[e] === lane) && (k < 0 || evKind[e] === k);
  if (dir === 1) {
    for (let i = lo; i < n; i++) if (matches(at(i))) return evT[at(i)] as number;
  } else {
    for (let i = lo - 1; i >= 0; i--) if (matches(at(i))) return evT[at(i)] as number;
  }
  return null;
}
