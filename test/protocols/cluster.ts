import type { ClientReply, Input, InvariantContext, KvOp, NodeContext, Protocol } from "../../sim/core/protocol.ts";
import { rngStream } from "../../sim/core/rng.ts";
import { Disk } from "../../sim/world/disk.ts";

export interface Sent<M> {
  from: string;
  to: string;
  msg: M;
}

/**
 * A hand-driven cluster of one protocol's nodes with no engine: messages queue in `inbox` until a test delivers or
 * drops them; the clock moves only when a test advances it (due timers then fire in deadline order), or a test fires
 * a timer by name; every step runs all the protocol's invariants, as the engine would. Each node has its own disk and
 * random stream (`node:<id>`, seed 1).
 */
export class Cluster<S, M extends { type: string }, O = unknown> {
  readonly disks = new Map<string, Disk>();
  readonly states = new Map<string, S | undefined>();
  readonly ctxs = new Map<string, NodeContext<M>>();
  /** node -> timer name -> absolute due time. */
  readonly timers = new Map<string, Map<string, number>>();
  readonly replies: { node: string; requestId: number; reply: ClientReply }[] = [];
  readonly notes: { node: string; text: string; data?: Record<string, unknown> }[] = [];
  /** Every ctx.metric call, in order. */
  readonly metrics: { node: string; name: string; value: number; label: string | undefined }[] = [];
  readonly violations: string[] = [];
  /** Every message ever sent, in order (the inbox holds those not yet delivered or dropped). */
  readonly sent: Sent<M>[] = [];
  inbox: Sent<M>[] = [];
  now = 0;
  private readonly checkers: { name: string; run: (ctx: InvariantContext<S, O>, i: number) => string | null }[];
  /** The options every node runs with: those given, checked by the protocol's schema, defaults filled in. */
  readonly options: O;

  constructor(
    readonly protocol: Protocol<S, M, KvOp, O>,
    readonly ids: string[],
    given: Record<string, unknown> = {},
    readonly bugs: string[] = [],
  ) {
    const r = protocol.options.resolve(given, { nodes: ids }, protocol.name);
    if (!r.ok) throw new Error(`protocol.options.${r.problem.path}: ${r.problem.message}`);
    this.options = r.options;
    this.checkers = protocol.invariants.map((inv) => ({ name: inv.name, run: inv.create() }));
    for (const id of ids) {
      this.disks.set(id, new Disk());
      this.timers.set(id, new Map());
      this.ctxs.set(id, this.makeCtx(id));
      this.boot(id, false);
    }
  }

  state(id: string): S {
    const s = this.states.get(id);
    if (s === undefined) throw new Error(`${id} is down`);
    return s;
  }

  private makeCtx(id: string): NodeContext<M> {
    return {
      id,
      peers: this.ids.filter((x) => x !== id),
      nodes: this.ids,
      dc: "dc1",
      dcOf: () => "dc1",
      now: () => this.now,
      rng: rngStream(1, `node:${id}`),
      send: (to, msg) => {
        this.inbox.push({ from: id, to, msg });
        this.sent.push({ from: id, to, msg });
      },
      setTimer: (name, after) => this.timers.get(id)?.set(name, this.now + after),
      cancelTimer: (name) => this.timers.get(id)?.delete(name),
      persist: (key, value) => this.disks.get(id)?.persist(key, value),
      sync: () => this.disks.get(id)?.sync(),
      read: (key) => this.disks.get(id)?.read(key),
      readUnchecked: (key) => this.disks.get(id)?.readUnchecked(key),
      keys: (prefix) => this.disks.get(id)?.keys(prefix) ?? [],
      reply: (requestId, reply) => this.replies.push({ node: id, requestId, reply }),
      note: (text, data) => this.notes.push({ node: id, text, data }),
      metric: (name, value, label) => this.metrics.push({ node: id, name, value, label }),
    };
  }

  private boot(id: string, restart: boolean): void {
    const ctx = this.ctxs.get(id) as NodeContext<M>;
    this.states.set(id, this.protocol.create(ctx, this.options, new Set(this.bugs)));
    this.step(id, { kind: "start", restart });
  }

  /** One input to one node, then every invariant, as the engine does after each step. */
  step(id: string, input: Input<M, KvOp>): void {
    this.protocol.step(this.state(id), input, this.ctxs.get(id) as NodeContext<M>);
    const states = this.ids.map((x) => this.states.get(x));
    const ctx: InvariantContext<S, O> = {
      now: this.now,
      nodes: this.ids,
      states,
      up: states.map((s) => s !== undefined),
      storage: (i) => ({
        read: (k) => this.disks.get(this.ids[i] as string)?.read(k),
        keys: (p) => this.disks.get(this.ids[i] as string)?.keys(p) ?? [],
      }),
      options: this.options,
    };
    for (const c of this.checkers) {
      const v = c.run(ctx, this.ids.indexOf(id));
      if (v !== null) this.violations.push(`${c.name}: ${v}`);
    }
  }

  /** Fire a node's timer now, whenever it is due. */
  fire(id: string, name: string): void {
    this.timers.get(id)?.delete(name);
    this.step(id, { kind: "timer", name });
  }

  /** Move the clock forward by `micros`, firing due timers in deadline order (messages stay queued). */
  advance(micros: number): void {
    const end = this.now + micros;
    for (;;) {
      let next: { id: string; name: string; at: number } | null = null;
      for (const [id, timers] of this.timers) {
        if (this.states.get(id) === undefined) continue;
        for (const [name, at] of timers) if (at <= end && (next === null || at < next.at)) next = { id, name, at };
      }
      if (next === null) break;
      this.now = Math.max(this.now, next.at);
      this.fire(next.id, next.name);
    }
    this.now = end;
  }

  /** Deliver queued messages matching `filter` (others stay queued), repeatedly, until none match. */
  deliver(filter: (m: Sent<M>) => boolean = () => true, rounds = 100): void {
    for (let r = 0; r < rounds; r++) {
      const batch = this.inbox.filter(filter);
      if (batch.length === 0) return;
      this.inbox = this.inbox.filter((m) => !filter(m));
      for (const m of batch)
        if (this.states.get(m.to) !== undefined) this.step(m.to, { kind: "message", from: m.from, msg: m.msg });
    }
  }

  drop(filter: (m: Sent<M>) => boolean = () => true): void {
    this.inbox = this.inbox.filter((m) => !filter(m));
  }

  /**
   * Crash: volatile state and timers are gone, unsynced writes lost; messages to it are dropped, its own stay in
   * flight.
   */
  crash(id: string): void {
    this.states.set(id, undefined);
    this.disks.get(id)?.crash(false);
    this.timers.get(id)?.clear();
    this.drop((m) => m.to === id);
  }

  restart(id: string): void {
    this.boot(id, true);
  }

  /** A client request to a node. */
  request(id: string, requestId: number, op: KvOp): void {
    this.step(id, { kind: "client", requestId, clientId: `c${requestId}`, op });
  }

  replyTo(requestId: number): ClientReply | undefined {
    return this.replies.find((r) => r.requestId === requestId)?.reply;
  }

  /** The messages in the inbox matching `filter`, as "from>to:type". */
  queued(filter: (m: Sent<M>) => boolean = () => true): string[] {
    return this.inbox.filter(filter).map((m) => `${m.from}>${m.to}:${m.msg.type}`);
  }
}

type Filter = (m: Sent<{ type: string }>) => boolean;

export const to =
  (...ids: string[]): Filter =>
  (m) =>
    ids.includes(m.to);
export const from =
  (...ids: string[]): Filter =>
  (m) =>
    ids.includes(m.from);
export const ofType =
  (...types: string[]): Filter =>
  (m) =>
    types.includes(m.msg.type);
export const all =
  (...fs: Filter[]): Filter =>
  (m) =>
    fs.every((f) => f(m));
/** Messages from one set of nodes to another. */
export const between =
  (a: string[], b: string[]): Filter =>
  (m) =>
    a.includes(m.from) && b.includes(m.to);
/** Messages among a set of nodes. */
export const amongst =
  (...ids: string[]): Filter =>
  (m) =>
    ids.includes(m.from) && ids.includes(m.to);
