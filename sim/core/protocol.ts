/**
 * The node contract: protocols are sans-IO state machines (etcd-raft style). The engine hands a node one input at a
 * time; the node changes its own state and asks for effects through its NodeContext. A protocol test needs no
 * network and no engine: build a context that records effects, feed inputs, assert on what was recorded.
 */
import type { MetricSpec } from "./metrics.ts";
import type { ProtocolOptionsSpec } from "./protocolOptions.ts";
import type { Rng } from "./rng.ts";
import type { Micros, NodeId } from "./types.ts";
import type { ViewHints } from "./viewHints.ts";

/** The operations of the standard client workload (a key-value store). Protocols may define their own. */
export type KvOp =
  | { f: "read"; key: string }
  | { f: "write"; key: string; value: string }
  | { f: "cas"; key: string; expected: string | null; value: string }
  | { f: "append"; key: string; value: string };

/**
 * What a node answers a client request with, through `ctx.reply(requestId, reply)`.
 * - ok: the operation took effect (value: the read result, or whatever the op returns).
 * - fail: the operation certainly did NOT take effect (e.g. cas mismatch is `ok` with value false, not fail).
 * - redirect: not the leader / wrong node; the client retries the same request (same requestId) at `leader` if given,
 *   otherwise at another node. Redirect means "not applied by me".
 * A node that cannot know (e.g. lost leadership after appending) should stay silent: the client times out and
 * records an indeterminate `info` op, as Jepsen does.
 */
export type ClientReply =
  | { type: "ok"; value?: unknown }
  | { type: "fail"; error: string }
  | { type: "redirect"; leader?: NodeId };

export type Input<M, Op = KvOp> =
  /** First boot, or restart after a crash (durable state is back; volatile state was rebuilt by `create`). */
  | { kind: "start"; restart: boolean }
  /** `msg` is the sender's object: read it, never mutate it (build a new message to reply). */
  | { kind: "message"; from: NodeId; msg: M }
  | { kind: "timer"; name: string }
  /**
   * A client request. `requestId` is unique per logical operation and stays the same when the client retries it at
   * another node, so it doubles as the de-duplication key (apply each requestId at most once).
   */
  | { kind: "client"; requestId: number; clientId: string; op: Op };

/** Returned by `ctx.read` when a stored value fails its checksum (a disk fault corrupted or tore it). */
export const CORRUPT: unique symbol = Symbol.for("faultline.corrupt");
export type Corrupt = typeof CORRUPT;

export interface NodeContext<M> {
  readonly id: NodeId;
  /** Every other node of the topology, in topology order. */
  readonly peers: readonly NodeId[];
  /** Every node of the topology including this one, in topology order. */
  readonly nodes: readonly NodeId[];
  /** The datacenter this node is in. */
  readonly dc: string;
  /** The datacenter of any node. */
  dcOf(node: NodeId): string;
  /** This node's local clock: virtual time plus its offset and drift. Integer microseconds. */
  now(): Micros;
  /** The node's own random stream (`node:<id>`); survives restarts as a stream (it is not reset). */
  readonly rng: Rng;
  /**
   * Send a message. Messages are values: never mutate one after sending it, nor one you received (the receiver gets
   * the sender's object, and the trace may encode a message some rows after it was sent).
   */
  send(to: NodeId, msg: M): void;
  /** Set (or reset) the timer `name` to fire `after` microseconds of local time from now. */
  setTimer(name: string, after: Micros): void;
  cancelTimer(name: string): void;
  /** Write a value to durable storage (copied as JSON). Durable only after `sync()`. `undefined` deletes the key. */
  persist(key: string, value: unknown): void;
  /** fsync: every write persisted so far survives a crash from now on. */
  sync(): void;
  /** Read durable storage (including this incarnation's unsynced writes). undefined if absent, CORRUPT if damaged. */
  read(key: string): unknown;
  /**
   * Read durable storage without the engine's checksum check: a value a disk fault damaged comes back with its
   * damaged content (CORRUPT only when it no longer parses). For protocols that verify their own checksums (backup
   * blocks with sha256), so that a variant skipping that verification can restore damaged data. Optional: test
   * contexts may leave it out; callers fall back to `read`.
   */
  readUnchecked?(key: string): unknown;
  /** Keys currently in storage, sorted. */
  keys(prefix?: string): string[];
  /** Answer a client request; only the first reply to a requestId counts. */
  reply(requestId: number, reply: ClientReply): void;
  /** A note on the timeline. */
  note(text: string, data?: Record<string, unknown>): void;
  /**
   * Record a value of the metric `name`, which the protocol declares in `metrics` (sim/core/metrics.ts); `label`
   * splits it into series (a backup's id, a region pair). Recording one that is not declared is a protocol bug.
   */
  metric(name: string, value: number, label?: string): void;
}

/** Small summary of a node's state, recorded in the trace whenever it changes and shown by the viewer. */
export interface NodeView {
  role?: string;
  term?: number;
  leader?: NodeId | null;
  commitIndex?: number;
  [field: string]: unknown;
}

/** What an invariant sees: every node's current state (undefined while crashed) and view. */
export interface InvariantContext<S, O = unknown> {
  readonly now: Micros;
  readonly nodes: readonly NodeId[];
  /** state[i] is node i's volatile state, or undefined while it is down. */
  readonly states: readonly (S | undefined)[];
  /** up[i] is false while node i is crashed. */
  readonly up: readonly boolean[];
  /** Durable storage of node i (synced and unsynced writes, as the node would read them). */
  storage(i: number): { read(key: string): unknown; keys(prefix?: string): string[] };
  /** Options the protocol was created with (every option, defaults filled in). */
  readonly options: O;
}

export interface Invariant<S, O = unknown> {
  name: string;
  description: string;
  /**
   * Make a fresh checker for one run (it may keep memory across calls, e.g. the leader seen for each term).
   * The checker is called after each step of node `stepped` (its index) and returns null, or a message describing
   * the violation.
   */
  create(): (ctx: InvariantContext<S, O>, stepped: number) => string | null;
}

/** What an observer sees: what an invariant sees, plus where to record metrics and notes. */
export interface ObserverContext<S, O = unknown> extends InvariantContext<S, O> {
  /** Record a value of a declared metric (as NodeContext.metric, but from the observer: no node). */
  metric(name: string, value: number, label?: string): void;
  /** A note on the timeline of node index `node`. */
  note(node: number, text: string, data?: Record<string, unknown>): void;
}

/**
 * A global view that measures, never judges: after every step it sees every node (as an invariant does) and records
 * metrics that no single node can know (acknowledged writes a failover lost, time until writes were served again,
 * whether replicas converged). It must not change any node's state.
 */
export interface Observer<S, O = unknown> {
  name: string;
  description: string;
  /** A fresh observer for one run. `step` runs after each step of node `stepped`; `finish` once at the end. */
  create(): {
    step?(ctx: ObserverContext<S, O>, stepped: number): void;
    finish?(ctx: ObserverContext<S, O>): void;
  };
}

/** A named progress condition for liveness checks ("a leader exists"). */
export interface ProgressCondition<S, O = unknown> {
  name: string;
  description: string;
  holds(ctx: InvariantContext<S, O>): boolean;
}

export interface Protocol<S, M, Op = KvOp, O = Record<string, never>> {
  name: string;
  description: string;
  /**
   * The options, as one zod schema (sim/core/protocolOptions.ts): their type, defaults, validation and docs. The
   * scenario loader checks a scenario's `protocol.options` with it and records every option, defaults filled in.
   */
  options: ProtocolOptionsSpec<O>;
  /** Build volatile state from durable storage (ctx.read), with every option checked and its default filled in. */
  create(ctx: NodeContext<M>, options: O, bugs: ReadonlySet<string>): S;
  step(state: S, input: Input<M, Op>, ctx: NodeContext<M>): void;
  view(state: S): NodeView;
  /** What the view's fields mean, for the viewer (written into the trace header); see viewHints.ts. */
  viewHints?: ViewHints;
  /** Approximate encoded size of a message in bytes (for bandwidth); defaults to a fixed 128 bytes. */
  messageSize?(msg: M): number;
  /** Message type for the trace/viewer (defaults to msg.type ?? msg.kind). */
  messageType?(msg: M): string;
  invariants: readonly Invariant<S, O>[];
  progress?: readonly ProgressCondition<S, O>[];
  /** The metrics its nodes and observers record (ctx.metric): printed in the summary, traced, aggregated by sweeps. */
  metrics?: readonly MetricSpec[];
  /** Global observers that record metrics (see Observer). */
  observers?: readonly Observer<S, O>[];
  /**
   * The roles a node's view can show (`view(state).role`), which scenario faults can target at fault time:
   * `crash: leader`, `isolate: coordinator` pick the lowest-indexed live node whose current view has that role.
   */
  roles?: readonly string[];
  /** Named bug variants a scenario or `--bug` can switch on: name -> description. */
  bugs: Readonly<Record<string, string>>;
}

// The registry holds protocols of every state/message/op type. Protocol<unknown, unknown, unknown> would not do: a
// Protocol<RaftState, ...> is not assignable to it, since its invariants and handlers take the state as a parameter.
// biome-ignore lint/suspicious/noExplicitAny: an existential protocol type (see above)
export type AnyProtocol = Protocol<any, any, any, any>;
