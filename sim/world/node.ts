import { assert } from "../core/assert.ts";
import type { ClientReply, NodeContext, NodeView } from "../core/protocol.ts";
import type { Rng } from "../core/rng.ts";
import type { Micros, NodeId } from "../core/types.ts";
import { NodeClock } from "./clock.ts";
import { growFloat64 } from "../core/typed.ts";
import { Disk } from "./disk.ts";

/**
 * Every node's named timers, as columns indexed by a timer id (no object per timer: a million pending timers would be
 * a million long-lived objects for the garbage collector to copy). A node keeps its name -> id map across crashes,
 * so a restarted node reuses its ids.
 */
export class TimerTable {
  names: string[] = [];
  /**
   * Per timer id, interleaved: ha[2 id] is the scheduler handle of the pending firing (or -1), ha[2 id + 1] the virtual
   * time it is due. Firing and re-arming touch both, so they share a cache line (at 1e6 timers each is a miss).
   */
  ha = new Float64Array(128);
  private count = 0;

  add(name: string): number {
    assert(this.names.length === this.count, "timer table: one name per id");
    const id = this.count++;
    if (id * 2 === this.ha.length) this.ha = growFloat64(this.ha, id * 4);
    this.names.push(name);
    this.ha[id * 2] = -1;
    assert(id * 2 + 1 < this.ha.length && this.names[id] === name, () => `timer table: ${name} stored as id ${id}`);
    return id;
  }
}

/** What a node's context needs from the world around it. */
export interface NodeHost {
  readonly nodeIds: readonly NodeId[];
  now(): Micros;
  dcOf(node: NodeId): string;
  send(from: number, to: NodeId, msg: unknown): void;
  setTimer(node: number, name: string, afterLocalMicros: Micros): void;
  cancelTimer(node: number, name: string): void;
  reply(node: number, requestId: number, reply: ClientReply): void;
  note(node: number, text: string, data: Record<string, unknown> | undefined): void;
  metric(node: number, name: string, value: number, label: string | undefined): void;
  /** Node `node` calls sync() with a crash armed at that point: crash it instead. */
  crashAtSync(node: number): void;
}

/** One simulated node: its protocol state (undefined while down), disk, clock and timers. */
export class NodeRuntime {
  up = true;
  state: unknown = undefined;
  lastView: NodeView | undefined = undefined;
  /**
   * Timer name -> its id in the world's TimerTable. The id is the event's payload, so firing finds the timer without
   * a map lookup and re-arming costs one lookup.
   */
  readonly timers = new Map<string, number>();
  /** The id of the timer that fired last (-1: none): a handler usually re-arms it, and then needs no map lookup. */
  lastFired = -1;
  readonly disk = new Disk();
  readonly clock = new NodeClock();
  /** How many times the node has booted: a restart a crash scheduled is void once the node was booted again since. */
  boots = 0;
  /** A torn-write fault is armed: the next crash tears the last unsynced write. */
  tornArmed = false;
  /** A crash armed at the node's next sync() (a `point: before-sync` crash), with its restart delay; null: none. */
  crashAtSync: { restartAfterMicros: Micros | null } | null = null;
  readonly ctx: NodeContext<unknown>;

  constructor(
    readonly index: number,
    readonly id: NodeId,
    readonly dc: string,
    host: NodeHost,
    rng: Rng,
  ) {
    assert(index >= 0 && host.nodeIds[index] === id, () => `node ${id} at index ${index} of the world`);
    this.ctx = makeContext(this, host, rng);
    assert(this.ctx.peers.length === host.nodeIds.length - 1, () => `node ${id}: peers are every other node`);
  }
}

function makeContext(node: NodeRuntime, host: NodeHost, rng: Rng): NodeContext<unknown> {
  const peers = host.nodeIds.filter((id) => id !== node.id);
  return {
    id: node.id,
    peers,
    nodes: host.nodeIds,
    dc: node.dc,
    dcOf: (id) => host.dcOf(id),
    now: () => node.clock.local(host.now()),
    rng,
    send: (to, msg) => host.send(node.index, to, msg),
    setTimer: (name, after) => host.setTimer(node.index, name, after),
    cancelTimer: (name) => host.cancelTimer(node.index, name),
    // A crash inside a step (at a sync) leaves the rest of the step running on a node that is down: its writes, like
    // its sends and timers, go nowhere.
    persist: (key, value) => {
      if (node.up) node.disk.persist(key, value);
    },
    sync: () => {
      if (node.crashAtSync !== null) host.crashAtSync(node.index);
      else if (node.up) node.disk.sync();
    },
    read: (key) => node.disk.read(key),
    readUnchecked: (key) => node.disk.readUnchecked(key),
    keys: (prefix) => node.disk.keys(prefix),
    reply: (requestId, reply) => host.reply(node.index, requestId, reply),
    note: (text, data) => host.note(node.index, text, data),
    metric: (name, value, label) => {
      if (node.up) host.metric(node.index, name, value, label);
    },
  };
}

/** Shallow equality of two views (views are small flat records). */
export function sameView(a: NodeView | undefined, b: NodeView): boolean {
  if (a === undefined) return false;
  // The caller compares identities first: views that are the same object never reach here.
  if (a === b) assert(false, "sameView: called with the very same view");
  if (typeof b !== "object" || b === null) assert(false, "sameView: a protocol view is an object");
  let nb = 0;
  for (const key in b) {
    nb++;
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  let na = 0;
  for (const _ in a) na++;
  return na === nb;
}
