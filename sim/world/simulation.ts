import { assert } from "../core/assert.ts";
import { LimitExceededError } from "../core/limits.ts";
import type {
  AnyProtocol,
  ClientReply,
  InvariantContext,
  KvOp,
  NodeView,
  Observer,
  ObserverContext,
} from "../core/protocol.ts";
import { isSeed, RngStreams, type Rng } from "../core/rng.ts";
import {
  EV_CLIENT_NEXT,
  EV_CLIENT_TIMEOUT,
  EV_DELIVER,
  EV_FAULT,
  EV_HEAL,
  EV_LIVENESS,
  EV_RANDOM_FAULT,
  EV_RESTART,
  EV_TIMER,
  EV_WINDOWS,
} from "../core/eventKinds.ts";
import { Scheduler } from "../core/scheduler.ts";
import type { Micros, NodeId } from "../core/types.ts";
import type { HistoryOutcome } from "../check/history.ts";
import { activeInvariants, type ActiveInvariant } from "../check/invariants.ts";
import { checkLinearizability, messageWithCounterexample } from "../check/linearizability.ts";
import { LivenessWatch } from "../check/liveness.ts";
import { WindowWatch, type WindowSpec } from "../check/windows.ts";
import { formatMicros } from "../core/units.ts";
import type { FaultAction, ResolvedScenario, WindowRef } from "../scenario/resolved.ts";
import type { TraceHeader } from "../trace/events.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { NULL_SINK, type TraceSink } from "../trace/sink.ts";
import { applyFault, startRandomFaults, onRandomFault } from "./faultInjector.ts";
import { scheduleQuietAt, windowSpan } from "./faults.ts";
import { Network } from "./network.ts";
import { NodeRuntime, sameView, TimerTable, type NodeHost } from "./node.ts";
import { Partitions } from "./partitions.ts";
import type { RunOptions, RunResult, Violation } from "./result.ts";
import { Topology } from "./topology.ts";
import { Clients, type ClientHost } from "./workload.ts";
import { MetricsLog } from "./metricsLog.ts";
import { clientMetrics } from "../check/clientMetrics.ts";

export const ENGINE_VERSION = "0.1.0";
const CLIENT_MESSAGE_BYTES = 96;

/** A client request or reply as it crosses the network. */
interface ClientRequestMsg {
  requestId: number;
  clientId: string;
  op: KvOp;
}
interface ClientReplyMsg {
  requestId: number;
  reply: ClientReply;
}

/**
 * One run: the world (topology, network, nodes, clients, faults, checks) driven by the scheduler.
 * Everything random comes from named streams of the run's seed; nothing reads real time.
 */
export class World implements NodeHost, ClientHost {
  readonly scheduler: Scheduler;
  readonly topology: Topology;
  readonly partitions: Partitions;
  readonly network: Network;
  readonly nodes: NodeRuntime[];
  readonly clients: Clients;
  readonly protocol: AnyProtocol;
  /** The protocol's options, checked by its schema, every default filled in (what `create` and invariants get). */
  readonly options: unknown;
  readonly bugs: ReadonlySet<string>;
  readonly sink: TraceSink;
  readonly recorder: TraceRecorder | null;
  readonly header: TraceHeader;
  readonly faultRng: Rng;
  readonly violations: Violation[] = [];
  readonly metrics: Record<string, number> = {
    crashes: 0,
    restarts: 0,
    partitions: 0,
    heals: 0,
    diskFaults: 0,
    clockChanges: 0,
    linkChanges: 0,
    stateChanges: 0,
  };
  readonly invariants: ActiveInvariant[];
  readonly invariantCtx: InvariantContext<unknown>;
  /** The protocol's metrics (ctx.metric and observers), summarised in the result. */
  readonly protocolMetrics: MetricsLog;
  /** The protocol's observers for this run (empty for most protocols: nothing runs after a step then). */
  readonly observers: ReturnType<Observer<unknown>["create"]>[];
  readonly observerCtx: ObserverContext<unknown>;
  readonly liveness: LivenessWatch | null;
  /** The window checks (liveness.during, nothingCommits), null when the scenario has none. */
  readonly windows: WindowWatch | null;
  readonly nodeIds: NodeId[];
  private readonly timers = new TimerTable();
  private readonly states: unknown[];
  /** upFlags[i]: is node i up (kept with NodeRuntime.up; the network reads it for deliveries). */
  private readonly upFlags: boolean[];
  private stopReason: RunResult["stop"] | null = null;
  randomPartitionCount = 0;

  constructor(
    readonly scenario: ResolvedScenario,
    readonly seed: number | string,
    protocol: AnyProtocol,
    bugs: readonly string[],
    sinkOption: RunOptions["sink"],
  ) {
    assert(
      scenario.limits.maxPending > 0,
      () => `limits.maxPending must be positive, got ${scenario.limits.maxPending}`,
    );
    const streams = new RngStreams(seed);
    this.protocol = protocol;
    this.bugs = new Set(bugs);
    this.scheduler = new Scheduler(scenario.limits.maxPending);
    this.topology = new Topology(scenario);
    this.nodeIds = this.topology.nodeIds;
    this.options = resolvedOptions(protocol, scenario.protocol.options, this.nodeIds);
    this.header = makeHeader(scenario, seed, [...bugs], this.topology);
    if (protocol.viewHints !== undefined) this.header.viewHints = protocol.viewHints;
    if (protocol.metrics !== undefined && protocol.metrics.length > 0) this.header.metrics = [...protocol.metrics];
    const record = sinkOption === "record" || (sinkOption === undefined && scenario.trace.enabled);
    this.recorder = record ? new TraceRecorder(this.header) : null;
    this.sink = typeof sinkOption === "object" ? sinkOption : (this.recorder ?? NULL_SINK);
    this.partitions = new Partitions(this.topology);
    this.network = new Network(
      scenario,
      this.topology,
      this.partitions,
      this.scheduler,
      streams.stream("network"),
      this.sink,
    );
    this.faultRng = streams.stream("faults");
    this.nodes = this.nodeIds.map(
      (id, i) => new NodeRuntime(i, id, this.topology.dcName(i), this, streams.stream(`node:${id}`)),
    );
    this.states = new Array(this.nodes.length).fill(undefined);
    this.upFlags = new Array(this.nodes.length).fill(true);
    this.invariantCtx = this.makeInvariantContext();
    this.invariants = activeInvariants(protocol, scenario.checks.invariants);
    this.protocolMetrics = new MetricsLog(protocol.name, protocol.metrics ?? []);
    this.observerCtx = this.makeObserverContext();
    this.observers = (protocol.observers ?? []).map((o: Observer<unknown>) => o.create());
    const clientRngs = this.topology.clientIds.map((c) => streams.stream(`workload:${c}`));
    this.clients = new Clients(scenario.workload, this, clientRngs);
    this.clients.hostIndexOf = (id) => (this.topology.has(id) ? this.topology.indexOf(id) : -1);
    assert(
      this.nodes.length === this.topology.nodeCount && this.states.length === this.nodes.length,
      () => `world sized for ${this.topology.nodeCount} nodes but built ${this.nodes.length} runtimes`,
    );
    assert(
      this.upFlags.length === this.nodes.length && clientRngs.length === this.topology.clientIds.length,
      "one up flag per node and one rng stream per client",
    );
    const live = scenario.checks.liveness;
    this.liveness =
      live === null
        ? null
        : new LivenessWatch(
            live,
            protocol.progress ?? [],
            scheduleQuietAt(scenario.faults.schedule, this.nodeIds.length),
            (write) => (write ? this.clients.lastOkWriteMicros : this.clients.lastOkMicros),
          );
    this.windows = makeWindowWatch(scenario, protocol);
    if (this.windows !== null) {
      const watch = this.windows;
      this.clients.onOk = (invokedAt, now, write) => {
        for (const miss of watch.clientOk(invokedAt, now, write)) this.violate(miss.check, miss.message, -1);
      };
    }
  }

  // --- NodeHost --------------------------------------------------------------------------------------------------

  now(): Micros {
    return this.scheduler.now;
  }

  dcOf(node: NodeId): string {
    return this.topology.dcName(this.topology.indexOf(node));
  }

  send(from: number, to: NodeId, msg: unknown): void {
    const node = this.nodes[from] as NodeRuntime;
    if (!node.up) return;
    const target = this.indexOfNode(to);
    const p = this.protocol;
    const type = p.messageType ? p.messageType(msg) : messageTypeOf(msg);
    // Sizes are whole bytes (the trace stores them as integers; bandwidth rounds up to blocks anyway).
    const bytes = p.messageSize ? Math.max(0, Math.ceil(p.messageSize(msg))) : 128;
    if (!(target >= 0 && target < this.nodes.length)) assert(false, `${node.id} sent to "${to}", which is no node`);
    if (!(bytes >= 0)) assert(false, `${node.id}: message size must be a number >= 0, got ${bytes}`);
    this.network.send(from, target, msg, type, bytes);
  }

  /**
   * The index of a node id, for sends. Protocols address nodes by the very strings the engine gave them (ctx.peers,
   * ctx.nodes, a message's `from`), so in a small cluster a scan comparing references finds it sooner than a hash
   * lookup; anything else (an equal string built elsewhere, a big cluster) goes to the topology's map.
   */
  private indexOfNode(id: NodeId): number {
    const ids = this.nodeIds;
    if (ids.length <= 8) for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return this.topology.indexOf(id);
  }

  setTimer(node: number, name: string, afterLocalMicros: Micros): void {
    const n = this.nodes[node] as NodeRuntime;
    if (!n.up) return;
    if (!(afterLocalMicros >= 0 && afterLocalMicros < Number.POSITIVE_INFINITY)) {
      assert(false, `timer ${name} on ${n.id}: delay must be a finite number >= 0, got ${afterLocalMicros}`);
    }
    const t = this.timers;
    let id = n.lastFired;
    if (id < 0 || t.names[id] !== name) {
      id = n.timers.get(name) ?? -1;
      if (id < 0) {
        id = t.add(name);
        n.timers.set(name, id);
      }
    }
    const at = this.scheduler.now + n.clock.virtualDelay(Math.round(afterLocalMicros));
    if (!(at >= this.scheduler.now)) assert(false, `timer ${name} on ${n.id} due at ${at}us, before now`);
    const ha = t.ha;
    const handle = ha[id * 2] as number;
    ha[id * 2] =
      handle >= 0
        ? this.scheduler.reschedule(handle, ha[id * 2 + 1] as number, at, EV_TIMER, node, id)
        : this.scheduler.schedule(at, EV_TIMER, node, id);
    ha[id * 2 + 1] = at;
    if (!((ha[id * 2] as number) >= 0)) assert(false, `timer ${name} on ${n.id} not armed`);
  }

  cancelTimer(node: number, name: string): void {
    const n = this.nodes[node] as NodeRuntime;
    const id = n.timers.get(name);
    if (id === undefined) return;
    const ha = this.timers.ha;
    const handle = ha[id * 2] as number;
    if (handle < 0) return;
    assert(this.timers.names[id] === name, () => `timer id ${id} of ${n.id} is not ${name}`);
    this.scheduler.cancel(handle);
    ha[id * 2] = -1;
    if (ha[id * 2] !== -1) assert(false, () => `timer ${name} on ${n.id} still armed after cancel`);
  }

  reply(node: number, requestId: number, reply: ClientReply): void {
    if (!(node >= 0 && node < this.nodes.length)) assert(false, () => `reply from unknown node index ${node}`);
    const n = this.nodes[node] as NodeRuntime;
    if (!n.up) return;
    const client = this.clients.ownerOf(requestId);
    if (client === undefined) return; // the client already gave up or got an answer
    if (!(client >= 0 && client < this.topology.clientIds.length))
      assert(false, () => `request ${requestId} owned by client ${client}`);
    const body: ClientReplyMsg = { requestId, reply };
    this.network.send(node, this.topology.nodeCount + client, body, "client-reply", CLIENT_MESSAGE_BYTES, false);
  }

  note(node: number, text: string, data: Record<string, unknown> | undefined): void {
    this.sink.note(this.scheduler.now, node, text, data);
  }

  metric(node: number, name: string, value: number, label: string | undefined): void {
    this.protocolMetrics.record(name, value, label);
    this.sink.metric(this.scheduler.now, node, name, label ?? null, value);
  }

  crashAtSync(node: number): void {
    assert(node >= 0 && node < this.nodes.length, () => `crash point on node index ${node} of ${this.nodes.length}`);
    const n = this.nodes[node] as NodeRuntime;
    const armed = n.crashAtSync;
    n.crashAtSync = null;
    if (armed === null || !n.up) return;
    this.sink.note(this.scheduler.now, node, "crash point: before sync", { point: "before-sync" });
    applyFault(this, { action: "crash", node: n.id, restartAfterMicros: armed.restartAfterMicros });
    assert(!n.up && n.crashAtSync === null, () => `${n.id} still up, or still armed, after its crash point`);
  }

  // --- ClientHost ------------------------------------------------------------------------------------------------

  get nodeCount(): number {
    return this.topology.nodeCount;
  }

  schedule(at: Micros, kind: number, a: number, b: number): number {
    return this.scheduler.schedule(at, kind, a, b);
  }

  reschedule(handle: number, dueAt: Micros, at: Micros, kind: number, a: number, b: number): number {
    return this.scheduler.reschedule(handle, dueAt, at, kind, a, b);
  }

  cancel(handle: number): void {
    this.scheduler.cancel(handle);
  }

  sendRequest(client: number, node: number, requestId: number, op: KvOp): void {
    const body: ClientRequestMsg = { requestId, clientId: this.topology.clientIds[client] as string, op };
    this.network.send(this.topology.nodeCount + client, node, body, "client-request", CLIENT_MESSAGE_BYTES, false);
  }

  localNodes(client: number): number[] {
    return this.topology.nodesIn(this.topology.dcName(this.topology.nodeCount + client));
  }

  recordInvoke(client: number, process: number, requestId: number, node: number, op: KvOp): void {
    this.sink.invoke(this.scheduler.now, client, process, requestId, node, op);
  }

  recordComplete(
    client: number,
    outcome: HistoryOutcome,
    process: number,
    requestId: number,
    node: number,
    value: unknown,
  ): void {
    this.sink.complete(this.scheduler.now, outcome, client, process, requestId, node, value);
  }

  // --- nodes -----------------------------------------------------------------------------------------------------

  /** Boot (or reboot) node i: build its state from its disk and feed it `start`. */
  boot(i: number, restart: boolean): void {
    const n = this.nodes[i] as NodeRuntime;
    assert(restart ? !n.up : n.boots === 0, () => `${n.id} booted ${restart ? "while up" : "a second time"}`);
    n.up = true;
    n.boots++;
    this.upFlags[i] = true;
    n.state = this.protocol.create(n.ctx, this.options, this.bugs);
    this.states[i] = n.state;
    this.step(i, { kind: "start", restart });
    assert(n.boots > 0 && (!n.up || this.upFlags[i] === true), () => `${n.id} booted but not marked up`);
  }

  /** Crash node i: volatile state and timers are gone, unsynced writes lost (or torn). */
  crash(i: number): void {
    assert(i >= 0 && i < this.nodes.length, () => `crash of unknown node index ${i}`);
    const n = this.nodes[i] as NodeRuntime;
    if (!n.up) return;
    const crashesBefore = this.metrics.crashes ?? 0;
    n.up = false;
    this.upFlags[i] = false;
    n.state = undefined;
    this.states[i] = undefined;
    n.lastView = undefined;
    const ha = this.timers.ha;
    for (const id of n.timers.values()) {
      const handle = ha[id * 2] as number;
      if (handle >= 0) this.scheduler.cancel(handle);
      ha[id * 2] = -1;
    }
    n.lastFired = -1;
    n.crashAtSync = null;
    const torn = n.disk.crash(n.tornArmed);
    n.tornArmed = false;
    this.metrics.crashes = (this.metrics.crashes ?? 0) + 1;
    this.sink.crash(this.scheduler.now, i);
    if (torn !== null) this.sink.note(this.scheduler.now, i, `torn write: ${torn} damaged by the crash`, { key: torn });
    assert(
      !this.upFlags[i] && n.disk.unsyncedCount === 0,
      () => `${n.id} crashed but still up or with unsynced writes`,
    );
    assert(
      this.metrics.crashes === crashesBefore + 1 && n.state === undefined && n.lastFired === -1,
      () => `${n.id} crashed but its crash count, state or last timer were not reset`,
    );
  }

  step(i: number, input: Parameters<AnyProtocol["step"]>[1]): void {
    if (!(i >= 0 && i < this.nodes.length)) assert(false, () => `step on unknown node index ${i}`);
    const n = this.nodes[i] as NodeRuntime;
    if (!n.up) assert(false, `${n.id} was given a ${input.kind} input while down`);
    this.protocol.step(n.state, input, n.ctx);
    if (!n.up) return;
    const view = this.protocol.view(n.state) as NodeView;
    // A protocol may return the very same object while nothing changed: then there is nothing to compare.
    if (view !== n.lastView && !sameView(n.lastView, view)) {
      n.lastView = view;
      this.metrics.stateChanges = (this.metrics.stateChanges ?? 0) + 1;
      this.sink.state(this.scheduler.now, i, view as Record<string, unknown>);
    }
    // An index loop: the for-of here allocated an iterator result per invariant and step (~3% of raft-5's bytes).
    const invariants = this.invariants;
    for (let k = 0; k < invariants.length; k++) {
      const inv = invariants[k] as ActiveInvariant;
      const message = inv.run(this.invariantCtx, i);
      if (message !== null) this.violate(inv.check, message, i);
    }
    const observers = this.observers;
    for (let k = 0; k < observers.length; k++) observers[k]?.step?.(this.observerCtx, i);
  }

  /** The run is over: observers record what they measure at the end (convergence, totals). */
  finishObservers(): void {
    for (const o of this.observers) o.finish?.(this.observerCtx);
  }

  violate(check: string, message: string, node: number): void {
    assert(check !== "" && node < this.nodes.length, () => `violation of "${check}" on node ${node}`);
    this.violations.push({
      check,
      message,
      atMicros: this.scheduler.now,
      node: node >= 0 ? (this.nodeIds[node] as string) : null,
    });
    this.sink.violation(this.scheduler.now, check, message, node);
    if (this.scenario.checks.stopOnViolation) this.stopReason = "violation";
    assert(this.violations.length > 0, "a violation is recorded");
  }

  // --- the loop --------------------------------------------------------------------------------------------------

  run(durationMicros: Micros, maxEvents: number, onProgress?: RunOptions["onProgress"]): RunResult["stop"] {
    assert(durationMicros >= 0 && maxEvents > 0, () => `run for ${durationMicros}us, at most ${maxEvents} events`);
    assert(
      this.scheduler.processed === 0,
      () => `run started on a world that already ran ${this.scheduler.processed} events`,
    );
    for (let i = 0; i < this.nodes.length; i++) this.boot(i, false);
    assert(
      this.upFlags.every((up) => up),
      "every node is up at the start of the run",
    );
    for (const f of this.scenario.faults.schedule)
      this.scheduler.schedule(f.atMicros, EV_FAULT, 0, 0, f as FaultAction);
    startRandomFaults(this);
    this.clients.start();
    if (this.liveness !== null) this.scheduler.schedule(this.liveness.pollMicros, EV_LIVENESS);
    if (this.windows !== null) this.scheduler.schedule(this.windows.pollMicros, EV_WINDOWS);
    const s = this.scheduler;
    while (this.stopReason === null) {
      // At the limit, the run is over only if another event would run: one that needs exactly maxEvents finishes.
      if (s.processed >= maxEvents && s.peekTime() <= durationMicros) {
        throw new LimitExceededError(
          "maxEvents",
          maxEvents,
          `the run processed ${maxEvents} events without finishing (limits.maxEvents) at t=${s.now}us`,
        );
      }
      if (!s.pop()) return "idle";
      if (s.now > durationMicros) {
        // Popped, not run: it is not one of the run's events.
        s.processed--;
        s.now = durationMicros;
        return "duration";
      }
      this.dispatch(s.kind, s.a, s.b, s.payload);
      if (onProgress !== undefined && (s.processed & 0xffff) === 0) onProgress(s.now, s.processed);
    }
    return this.stopReason;
  }

  private dispatch(kind: number, a: number, b: number, payload: unknown): void {
    switch (kind) {
      case EV_DELIVER:
        return this.deliver(a);
      case EV_TIMER: {
        const n = this.nodes[a] as NodeRuntime;
        const id = b;
        if (!n.up)
          assert(false, `timer ${this.timers.names[id]} fired on ${n.id}, which is down (a crash cancels its timers)`);
        this.timers.ha[id * 2] = -1;
        n.lastFired = id;
        const name = this.timers.names[id] as string;
        this.sink.timer(this.scheduler.now, a, name);
        return this.step(a, { kind: "timer", name });
      }
      case EV_FAULT:
        return applyFault(this, payload as FaultAction);
      // A timed restart or heal is void once its node was restarted, or its partition healed or started anew, since:
      // the node may have crashed again for good, the partition id may name a later partition with its own timing.
      case EV_RESTART:
        if ((this.nodes[a] as NodeRuntime).boots !== b) return;
        return applyFault(this, { action: "restart", node: this.nodeIds[a] as string });
      case EV_HEAL:
        if (this.partitions.serial(payload as string) !== b) return;
        return applyFault(this, { action: "heal", id: payload as string });
      case EV_RANDOM_FAULT:
        return onRandomFault(this, a);
      case EV_CLIENT_NEXT:
        return this.clients.next(a);
      case EV_CLIENT_TIMEOUT:
        return this.clients.timeout(a, b);
      case EV_LIVENESS:
        return this.pollLiveness();
      case EV_WINDOWS:
        return this.pollWindows();
      default:
        throw new Error(`unknown scheduler event kind ${kind}`);
    }
  }

  private deliver(slot: number): void {
    const net = this.network;
    if (!net.arrive(slot, this.upFlags)) return;
    const nodeCount = this.topology.nodeCount;
    const from = net.arrivedFrom;
    const to = net.arrivedTo;
    if (!(from >= 0 && to >= 0 && to < this.topology.endpointCount))
      assert(false, () => `delivery from ${from} to ${to}`);
    if (!(to < nodeCount || from < nodeCount)) assert(false, () => `delivery between two clients, ${from} to ${to}`);
    const body = net.arrivedBody;
    net.arrivedBody = undefined;
    if (to >= nodeCount) {
      const r = body as ClientReplyMsg;
      return this.clients.reply(to - nodeCount, from, r.requestId, r.reply);
    }
    if (from >= nodeCount) {
      const r = body as ClientRequestMsg;
      return this.step(to, { kind: "client", requestId: r.requestId, clientId: r.clientId, op: r.op });
    }
    this.step(to, { kind: "message", from: this.nodeIds[from] as string, msg: body });
  }

  /**
   * The run ended at `end`: poll liveness once more. Polls come every window/20, so a deadline may have passed since
   * the last one (a miss is then reported now, as the next poll would have), or a condition may hold unseen.
   */
  finishLiveness(end: Micros): void {
    if (this.liveness !== null && this.stopReason === null) this.reportLiveness(this.liveness, end);
    if (this.windows !== null && this.stopReason === null) this.reportWindows(this.windows, end);
  }

  private pollWindows(): void {
    const watch = this.windows;
    if (watch === null) return;
    this.reportWindows(watch, this.scheduler.now);
    this.scheduler.schedule(this.scheduler.now + watch.pollMicros, EV_WINDOWS);
  }

  private reportWindows(watch: WindowWatch, at: Micros): void {
    for (const miss of watch.poll(at, this.invariantCtx)) this.violate(miss.check, miss.message, -1);
  }

  private pollLiveness(): void {
    const watch = this.liveness;
    if (watch === null) return;
    this.reportLiveness(watch, this.scheduler.now);
    this.scheduler.schedule(this.scheduler.now + watch.pollMicros, EV_LIVENESS);
  }

  /** Poll the watch at `at` and report each condition that missed its deadline as a violation. */
  private reportLiveness(watch: LivenessWatch, at: Micros): void {
    for (const miss of watch.poll(at, this.invariantCtx)) this.violate(`liveness.${miss.name}`, miss.message, -1);
  }

  private makeObserverContext(): ObserverContext<unknown> {
    const base = this.invariantCtx;
    const world = this;
    return {
      get now() {
        return world.scheduler.now;
      },
      nodes: base.nodes,
      states: base.states,
      up: base.up,
      storage: base.storage,
      options: base.options,
      metric: (name, value, label) => this.metric(-1, name, value, label),
      note: (node, text, data) => {
        assert(node >= 0 && node < this.nodes.length, () => `observer note on node index ${node}`);
        this.note(node, text, data);
      },
    };
  }

  private makeInvariantContext(): InvariantContext<unknown> {
    const world = this;
    return {
      get now() {
        return world.scheduler.now;
      },
      nodes: this.nodeIds,
      states: this.states,
      up: this.upFlags,
      storage: (i) => {
        const disk = (this.nodes[i] as NodeRuntime).disk;
        return { read: (key) => disk.read(key), keys: (prefix) => disk.keys(prefix) };
      },
      options: this.options,
    };
  }
}

/**
 * The scenario's protocol options through the protocol's schema. The scenario loader has checked them already; a
 * scenario built in code may leave options out (they get their defaults) but may not give a bad one.
 */
function resolvedOptions(protocol: AnyProtocol, given: Record<string, unknown>, nodes: readonly NodeId[]): unknown {
  const r = protocol.options.resolve(given, { nodes }, protocol.name);
  if (!r.ok) throw new Error(`protocol.options.${r.problem.path}: ${r.problem.message}`);
  return r.options;
}

/** The scenario's window checks, their spans looked up in its fault schedule (null: it has none). */
function makeWindowWatch(scenario: ResolvedScenario, protocol: AnyProtocol): WindowWatch | null {
  const c = scenario.checks;
  const schedule = scenario.faults.schedule;
  const spec = (kind: WindowSpec["kind"], ref: WindowRef, require: readonly string[]): WindowSpec => ({
    kind,
    label:
      "crash" in ref
        ? `the crash of ${ref.crash}`
        : "fault" in ref
          ? `partition ${ref.fault}`
          : `${formatMicros(ref.fromMicros)}-${formatMicros(ref.toMicros)}`,
    span: windowSpan(ref, schedule, scenario.durationMicros),
    require,
  });
  const specs = [
    ...(c.liveness?.during ?? []).map((w) => spec("during", w, c.liveness?.require ?? [])),
    ...(c.nothingCommits ?? []).map((x) => spec("nothing-commits", x.window, x.require)),
  ];
  if (specs.length === 0) return null;
  assert(
    specs.every((x) => x.span === null || x.span.fromMicros >= 0),
    "window spans start at or after the run's start",
  );
  const watch = new WindowWatch(specs, c.liveness?.windowMicros ?? 0, protocol.progress ?? []);
  assert(watch.pollMicros > 0, "window polls are spaced");
  return watch;
}

function messageTypeOf(msg: unknown): string {
  if (typeof msg === "object" && msg !== null) {
    const m = msg as { type?: unknown; kind?: unknown };
    if (typeof m.type === "string") return m.type;
    if (typeof m.kind === "string") return m.kind;
  }
  return "message";
}

function makeHeader(
  scenario: ResolvedScenario,
  seed: number | string,
  bugs: string[],
  topology: Topology,
): TraceHeader {
  return {
    format: "faultline-trace",
    version: 1,
    engine: ENGINE_VERSION,
    seed,
    bugs,
    scenario,
    nodes: topology.nodeIds.map((id, i) => ({ id, dc: topology.dcName(i) })),
    clients: topology.clientIds.map((id, c) => ({ id, dc: topology.dcName(topology.nodeCount + c) })),
  };
}

/** Run a scenario to completion. Deterministic: the same scenario, seed and bugs give the same result and trace. */
export function runScenario(scenario: ResolvedScenario, options: RunOptions): RunResult {
  const protocol = options.registry.get(scenario.protocol.name);
  if (protocol === undefined) {
    throw new Error(`unknown protocol "${scenario.protocol.name}" (known: ${options.registry.names().join(", ")})`);
  }
  const seed = options.seed ?? scenario.seed;
  // A trace records the seed, and its reader takes integers and strings: a seed like 1.5 would make a trace that
  // cannot be replayed.
  if (!isSeed(seed)) throw new Error(`seed must be an integer (at most 2^53 - 1 either way) or a string, got ${seed}`);
  const bugs = [...new Set([...scenario.bugs, ...(options.bugs ?? [])])].sort();
  for (const b of bugs) {
    if (!(b in protocol.bugs))
      throw new Error(
        `protocol ${protocol.name} has no bug variant "${b}" (it has: ` +
          `${Object.keys(protocol.bugs).join(", ") || "none"})`,
      );
  }
  const durationMicros = options.durationMicros ?? scenario.durationMicros;
  assert(durationMicros >= 0, () => `run duration must not be negative, got ${durationMicros}`);
  const world = new World({ ...scenario, durationMicros }, seed, protocol, bugs, options.sink);
  let stop: RunResult["stop"];
  let limitMessage: string | null = null;
  try {
    stop = world.run(durationMicros, scenario.limits.maxEvents, options.onProgress);
  } catch (e) {
    if (!(e instanceof LimitExceededError)) throw e;
    stop = "limit";
    limitMessage = e.message;
  }
  world.clients.finish();
  const simulatedMicros = stop === "duration" ? durationMicros : world.scheduler.now;
  if (stop === "duration" || stop === "idle") world.finishLiveness(simulatedMicros);
  if (stop !== "limit") world.finishObservers();
  const clients = world.clients;
  let linearizability: RunResult["linearizability"] = null;
  if (scenario.checks.linearizability && stop !== "limit") {
    const maxStates = scenario.checks.linearizabilityMaxStates;
    linearizability = checkLinearizability(clients.history, maxStates === undefined ? {} : { maxStates });
    if (linearizability.verdict === "violation") {
      // The message carries the minimal counterexample; the trace event also lists its request ids.
      linearizability = { ...linearizability, message: messageWithCounterexample(linearizability) };
      world.violations.push({
        check: "linearizability",
        message: linearizability.message,
        atMicros: world.scheduler.now,
        node: null,
      });
      const ops = linearizability.counterexample?.ops;
      world.sink.violation(world.scheduler.now, "linearizability", linearizability.message, -1, ops);
    }
  }
  assert(
    simulatedMicros >= 0 && simulatedMicros <= durationMicros,
    () => `run stopped by ${stop} at ${simulatedMicros}us of ${durationMicros}us`,
  );
  world.recorder?.finish(simulatedMicros, stop);
  return {
    scenario: world.header.scenario,
    seed,
    bugs,
    stop,
    limitMessage,
    simulatedMicros,
    events: world.scheduler.processed,
    messages: { ...world.network.counters, dropsByReason: { ...world.network.counters.dropsByReason } },
    clientOps: { ...world.clients.counts },
    violations: world.violations,
    // Built from the workload's columns when first read (most callers never read it; see HistoryLog).
    get history() {
      return clients.history;
    },
    linearizability,
    liveness: world.liveness?.verdict(simulatedMicros) ?? null,
    ...(world.windows !== null ? { windows: world.windows.verdicts(simulatedMicros) } : {}),
    header: world.header,
    trace: world.recorder,
    metrics: { ...world.metrics },
    protocolMetrics: world.protocolMetrics.summaries(),
    get clientMetrics() {
      const dcs = new Map(world.header.clients.map((c) => [c.id, c.dc]));
      return clientMetrics(clients.history, (c) => dcs.get(c) ?? "?", simulatedMicros);
    },
  };
}
