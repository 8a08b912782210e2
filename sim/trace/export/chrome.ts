import type { TraceEvent, TraceFooter, TraceHeader } from "../events.ts";
import { exportToString, type LineSink, type TraceExporter } from "./stream.ts";

/**
 * Chrome Trace Event JSON (the Trace Event Format; opens in Perfetto and chrome://tracing).
 *
 * - One process per datacenter (pid 1..D) and one more, "network", for faults (pid D+1). Threads: one per node
 *   (tid 1..N), one per client for its messages (N+1..N+C) and one per client for its operations (N+C+1..N+2C), so
 *   an operation's slice never overlaps a message slice on the same thread. Metadata events name and order them.
 * - Every send, delivery and arrival drop happens inside a 1 us "step" slice (ph X) of its thread at its time, one
 *   slice per thread and microsecond (several messages sent in one step share it). Flow events bind to slices, not
 *   to instants: a flow start (ph s) needs an enclosing slice and so does a flow end with bp "e", or Perfetto drops
 *   the arrow ("flow_no_enclosing_slice"). The s and f sit half a microsecond into the slice, strictly inside it.
 * - A message is a flow s (sender) -> f (receiver) with id = message id and the same cat and name (Perfetto matches
 *   v1 flows on id, cat and name). A duplicate is its own flow from the sender at the time it was copied. A message
 *   dropped at send time (loss, partition, link down, full queue) starts no flow; one dropped on arrival (receiver
 *   down, partition now in force) ends its flow in a "drop" step on the receiver.
 * - Client operations are complete slices from invoke to completion (one still pending at the end runs to the end
 *   of the run); crashes, restarts, timers, clock and disk faults, state changes and notes are thread instants;
 *   partitions, heals, link changes and violations are global instants. ts and dur are in microseconds.
 */
export function chromeExporter(emit: LineSink): TraceExporter {
  return new ChromeExport(emit);
}

/** The whole Chrome Trace JSON text of an in-memory trace. */
export function toChromeTrace(
  header: TraceHeader,
  events: readonly TraceEvent[],
  footer: TraceFooter | null = null,
): string {
  return exportToString(chromeExporter, header, events, footer);
}

type Json = Record<string, unknown>;
type Invoke = Extract<TraceEvent, { k: "invoke" }>;

/** Labels of one step slice kept in full; more are counted. */
const MAX_STEP_LABELS = 16;
/** Where in its 1 us step slice a flow event sits. */
const FLOW_OFFSET_MICROS = 0.5;

interface Step {
  t: number;
  labels: string[];
  more: number;
}

class ChromeExport implements TraceExporter {
  private first = true;
  private tidOf = new Map<string, { pid: number; tid: number }>();
  private opTid = new Map<string, { pid: number; tid: number }>();
  private network = { pid: 0, tid: 1 };
  /** Open step slice per tid (by pid*2^20 + tid). */
  private readonly steps = new Map<number, Step & { pid: number; tid: number }>();
  /** Messages in flight that started a flow: id -> type. */
  private readonly flowing = new Map<number, string>();
  private readonly types = new Map<number, string>();
  private readonly invokes = new Map<number, Invoke>();
  /** A send held back one event: if the next event drops it at once, it starts no flow. */
  private held: Extract<TraceEvent, { k: "send" }> | null = null;
  private lastT = 0;

  constructor(private readonly emit: LineSink) {}

  header(h: TraceHeader): void {
    const otherData = JSON.stringify({
      scenario: h.scenario.name,
      protocol: h.scenario.protocol.name,
      seed: h.seed,
      bugs: h.bugs,
      engine: h.engine,
    });
    this.emit(`{"displayTimeUnit":"ms","otherData":${otherData},"traceEvents":[`);
    const dcs = [...new Set([...h.nodes.map((n) => n.dc), ...h.clients.map((c) => c.dc)])];
    const pid = (dc: string) => dcs.indexOf(dc) + 1;
    dcs.forEach((dc, i) => {
      this.out({ ph: "M", name: "process_name", pid: i + 1, tid: 0, args: { name: dc } });
      this.out({ ph: "M", name: "process_sort_index", pid: i + 1, tid: 0, args: { sort_index: i + 1 } });
    });
    this.network = { pid: dcs.length + 1, tid: 1 };
    this.out({ ph: "M", name: "process_name", pid: this.network.pid, tid: 0, args: { name: "network" } });
    this.out({
      ph: "M",
      name: "process_sort_index",
      pid: this.network.pid,
      tid: 0,
      args: { sort_index: this.network.pid },
    });
    this.thread(this.network, "faults", 0);
    const n = h.nodes.length;
    const c = h.clients.length;
    h.nodes.forEach((node, i) => {
      this.tidOf.set(node.id, this.thread({ pid: pid(node.dc), tid: i + 1 }, node.id, i + 1));
    });
    h.clients.forEach((cl, i) => {
      this.tidOf.set(cl.id, this.thread({ pid: pid(cl.dc), tid: n + 1 + i }, cl.id, n + 1 + i));
      this.opTid.set(cl.id, this.thread({ pid: pid(cl.dc), tid: n + c + 1 + i }, `${cl.id} ops`, n + c + 1 + i));
    });
  }

  private thread(w: { pid: number; tid: number }, name: string, sort: number): { pid: number; tid: number } {
    this.out({ ph: "M", name: "thread_name", pid: w.pid, tid: w.tid, args: { name } });
    this.out({ ph: "M", name: "thread_sort_index", pid: w.pid, tid: w.tid, args: { sort_index: sort } });
    return w;
  }

  /** One trace event object per line; the comma goes before every one but the first. */
  private out(o: Json): void {
    this.emit(this.first ? JSON.stringify(o) : `,${JSON.stringify(o)}`);
    this.first = false;
  }

  private at(id: string): { pid: number; tid: number } {
    return this.tidOf.get(id) ?? this.network;
  }

  event(e: TraceEvent): void {
    this.lastT = e.t;
    this.release(e);
    switch (e.k) {
      case "send":
        this.types.set(e.i, e.ty);
        this.held = e;
        break;
      case "duplicate": {
        const ty = this.types.get(e.i) ?? "message";
        this.types.set(e.copy, ty);
        this.step(e.n, e.t, `duplicate ${ty}`);
        this.flowStart(e.n, e.t, e.copy, ty);
        break;
      }
      case "deliver":
        this.arrive(e.n, e.t, e.i, `recv ${this.types.get(e.i) ?? "message"} from ${e.from}`);
        break;
      case "drop":
        this.drop(e);
        break;
      default:
        this.other(e);
    }
  }

  /** Write the send held back, knowing the event after it (null at the end). */
  private release(next: TraceEvent | null): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    const droppedAtOnce = next !== null && next.k === "drop" && next.i === held.i && next.t === held.t;
    this.step(
      held.n,
      held.t,
      droppedAtOnce ? `send ${held.ty} to ${held.to} (dropped)` : `send ${held.ty} to ${held.to}`,
    );
    if (!droppedAtOnce) this.flowStart(held.n, held.t, held.i, held.ty);
  }

  /** A drop: on arrival it ends the message's flow on the receiver; at send time it is an instant on the sender. */
  private drop(e: Extract<TraceEvent, { k: "drop" }>): void {
    const ty = this.types.get(e.i) ?? "message";
    const label = `drop ${ty} from ${e.n} to ${e.to} (${e.why})`;
    if (this.flowing.has(e.i)) {
      this.arrive(e.to, e.t, e.i, label);
      this.out({
        ph: "i",
        name: label,
        cat: "drop",
        ts: e.t,
        ...this.at(e.to),
        s: "t",
        args: { message: e.i, why: e.why },
      });
    } else {
      this.types.delete(e.i);
      this.out({
        ph: "i",
        name: label,
        cat: "drop",
        ts: e.t,
        ...this.at(e.n),
        s: "t",
        args: { message: e.i, why: e.why },
      });
    }
  }

  private arrive(node: string, t: number, id: number, label: string): void {
    this.step(node, t, label);
    const ty = this.flowing.get(id);
    this.types.delete(id);
    if (ty === undefined) return;
    this.flowing.delete(id);
    this.out({ ph: "f", bp: "e", name: ty, cat: "message", id, ts: t + FLOW_OFFSET_MICROS, ...this.at(node) });
  }

  private flowStart(node: string, t: number, id: number, ty: string): void {
    this.flowing.set(id, ty);
    this.out({ ph: "s", name: ty, cat: "message", id, ts: t + FLOW_OFFSET_MICROS, ...this.at(node) });
  }

  /** Add a label to the thread's step slice at t (closing the one it had open at an earlier time). */
  private step(node: string, t: number, label: string): void {
    const w = this.at(node);
    const key = w.pid * 2 ** 20 + w.tid;
    const open = this.steps.get(key);
    if (open !== undefined && open.t === t) {
      if (open.labels.length < MAX_STEP_LABELS) open.labels.push(label);
      else open.more++;
      return;
    }
    if (open !== undefined) this.closeStep(open);
    this.steps.set(key, { t, labels: [label], more: 0, ...w });
  }

  private closeStep(s: Step & { pid: number; tid: number }): void {
    const name =
      s.labels.length + s.more === 1
        ? (s.labels[0] as string)
        : `${s.labels[0] as string} +${s.labels.length + s.more - 1}`;
    this.out({
      ph: "X",
      name,
      cat: "step",
      ts: s.t,
      dur: 1,
      pid: s.pid,
      tid: s.tid,
      args: s.more > 0 ? { events: s.labels, more: s.more } : { events: s.labels },
    });
  }

  private other(e: Exclude<TraceEvent, { k: "send" | "deliver" | "drop" | "duplicate" }>): void {
    switch (e.k) {
      case "invoke":
        this.invokes.set(e.r, e);
        break;
      case "ok":
      case "fail":
      case "info": {
        const inv = this.invokes.get(e.r);
        if (inv === undefined) break;
        this.invokes.delete(e.r);
        this.op(inv, e.k, e.t, { op: inv.op, result: e.v ?? null, node: e.n, process: e.p });
        break;
      }
      case "crash":
      case "restart":
        this.out({ ph: "i", name: e.k, cat: "fault", ts: e.t, ...this.at(e.n), s: "t" });
        break;
      case "timer":
        this.out({ ph: "i", name: `timer ${e.name}`, cat: "timer", ts: e.t, ...this.at(e.n), s: "t" });
        break;
      case "clock":
        this.out({
          ph: "i",
          name: "clock",
          cat: "fault",
          ts: e.t,
          ...this.at(e.n),
          s: "t",
          args: { offsetMicros: e.offset, driftPpm: e.drift },
        });
        break;
      case "disk":
        this.out({
          ph: "i",
          name: `disk ${e.fault}`,
          cat: "fault",
          ts: e.t,
          ...this.at(e.n),
          s: "t",
          args: { key: e.key },
        });
        break;
      case "state":
        this.out({ ph: "i", name: "state", cat: "state", ts: e.t, ...this.at(e.n), s: "t", args: e.v });
        break;
      case "note":
        this.out({ ph: "i", name: e.text, cat: "note", ts: e.t, ...this.at(e.n), s: "t", args: e.data ?? {} });
        break;
      case "partition":
        this.out({
          ph: "i",
          name: `partition ${e.id} (${e.kind})`,
          cat: "fault",
          ts: e.t,
          ...this.network,
          s: "g",
          args: { blocks: e.blocks },
        });
        break;
      case "heal":
        this.out({ ph: "i", name: `heal ${e.id}`, cat: "fault", ts: e.t, ...this.network, s: "g" });
        break;
      case "link":
        this.out({
          ph: "i",
          name: `link ${e.a}-${e.b}`,
          cat: "fault",
          ts: e.t,
          ...this.network,
          s: "g",
          args: { change: e.change },
        });
        break;
      case "violation":
        this.out({
          ph: "i",
          name: `VIOLATION ${e.check}`,
          cat: "violation",
          ts: e.t,
          ...(e.n !== undefined ? this.at(e.n) : this.network),
          s: "g",
          args: { message: e.message },
        });
        break;
      case "metric":
        // A counter track per metric: Perfetto and chrome://tracing chart each series (label) as a line.
        this.out({
          ph: "C",
          name: e.name,
          cat: "metric",
          ts: e.t,
          ...(e.n !== undefined ? this.at(e.n) : this.network),
          args: { [e.l ?? "value"]: e.v },
        });
        break;
    }
  }

  /** A client operation as a complete slice on the client's ops thread. */
  private op(inv: Invoke, outcome: string, end: number, args: Json): void {
    const f = (inv.op as { f?: unknown } | null)?.f;
    const w = this.opTid.get(inv.c) ?? this.network;
    this.out({
      ph: "X",
      name: `${typeof f === "string" ? f : "op"} ${outcome}`,
      cat: "client",
      ts: inv.t,
      dur: Math.max(1, end - inv.t),
      ...w,
      args,
    });
  }

  finish(footer: TraceFooter | null): void {
    this.release(null);
    const end = Math.max(this.lastT, footer?.t ?? 0);
    for (const s of this.steps.values()) this.closeStep(s);
    this.steps.clear();
    for (const inv of this.invokes.values())
      this.op(inv, "pending", end, { op: inv.op, pending: true, process: inv.p });
    this.invokes.clear();
    this.emit("]}");
  }
}
