import type { ClientReply, InvariantContext, NodeContext } from "../../../sim/core/protocol.ts";
import { rngStream } from "../../../sim/core/rng.ts";
import { Disk } from "../../../sim/world/disk.ts";
import { raft } from "../../../protocols/raft/index.ts";
import type { RaftMsg } from "../../../protocols/raft/messages.ts";
import type { RaftState } from "../../../protocols/raft/state.ts";

export interface Sent {
  from: string;
  to: string;
  msg: RaftMsg;
}

/**
 * A hand-driven Raft cluster with no engine: messages queue in `inbox` until a test delivers or drops them,
 * timers fire only when a test fires them, and every step runs all five invariants (as the engine would).
 */
export class Cluster {
  readonly ids: string[];
  readonly disks = new Map<string, Disk>();
  readonly states = new Map<string, RaftState | undefined>();
  readonly ctxs = new Map<string, NodeContext<RaftMsg>>();
  readonly timers = new Map<string, Set<string>>();
  readonly replies: { node: string; requestId: number; reply: ClientReply }[] = [];
  readonly violations: string[] = [];
  inbox: Sent[] = [];
  now = 0;
  private readonly checkers = raft.invariants.map((inv) => ({ name: inv.name, run: inv.create() }));

  constructor(n: number, readonly options: Record<string, unknown> = {}, readonly bugs: string[] = []) {
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      this.disks.set(id, new Disk());
      this.timers.set(id, new Set());
      this.ctxs.set(id, this.makeCtx(id));
      this.boot(id, false);
    }
  }

  state(id: string): RaftState {
    const s = this.states.get(id);
    if (s === undefined) throw new Error(`${id} is down`);
    return s;
  }

  private makeCtx(id: string): NodeContext<RaftMsg> {
    const rng = rngStream(1, `node:${id}`);
    return {
      id,
      peers: this.ids.filter((x) => x !== id),
      nodes: this.ids,
      dc: "dc1",
      dcOf: () => "dc1",
      now: () => this.now,
      rng,
      send: (to, msg) => this.inbox.push({ from: id, to, msg }),
      setTimer: (name) => this.timers.get(id)?.add(name),
      cancelTimer: (name) => this.timers.get(id)?.delete(name),
      persist: (key, value) => this.disks.get(id)?.persist(key, value),
      sync: () => this.disks.get(id)?.sync(),
      read: (key) => this.disks.get(id)?.read(key),
      keys: (prefix) => this.disks.get(id)?.keys(prefix) ?? [],
      reply: (requestId, reply) => this.replies.push({ node: id, requestId, reply }),
      note: () => {},
    };
  }

  private boot(id: string, restart: boolean): void {
    const ctx = this.ctxs.get(id) as NodeContext<RaftMsg>;
    this.states.set(id, raft.create(ctx, this.options, new Set(this.bugs)));
    this.step(id, { kind: "start", restart });
  }

  step(id: string, input: Parameters<typeof raft.step>[1]): void {
    raft.step(this.state(id), input, this.ctxs.get(id) as NodeContext<RaftMsg>);
    const states = this.ids.map((x) => this.states.get(x));
    const ctx: InvariantContext<RaftState> = {
      now: this.now,
      nodes: this.ids,
      states,
      up: states.map((s) => s !== undefined),
      storage: (i) => ({ read: (k) => this.disks.get(this.ids[i] as string)?.read(k), keys: () => [] }),
      options: this.options,
    };
    for (const c of this.checkers) {
      const v = c.run(ctx, this.ids.indexOf(id));
      if (v !== null) this.violations.push(`${c.name}: ${v}`);
    }
  }

  fire(id: string, name: string): void {
    this.timers.get(id)?.delete(name);
    this.step(id, { kind: "timer", name });
  }

  /** Deliver queued messages matching `filter` (others stay queued), repeatedly, until none match. */
  deliver(filter: (m: Sent) => boolean = () => true, rounds = 100): void {
    for (let r = 0; r < rounds; r++) {
      const now = this.inbox.filter(filter);
      if (now.length === 0) return;
      this.inbox = this.inbox.filter((m) => !filter(m));
      for (const m of now) if (this.states.get(m.to) !== undefined) this.step(m.to, { kind: "message", from: m.from, msg: m.msg });
    }
  }

  drop(filter: (m: Sent) => boolean = () => true): void {
    this.inbox = this.inbox.filter((m) => !filter(m));
  }

  crash(id: string): void {
    this.states.set(id, undefined);
    this.disks.get(id)?.crash(false);
    this.timers.get(id)?.clear();
    this.inbox = this.inbox.filter((m) => m.from !== id && m.to !== id);
  }

  restart(id: string): void {
    this.boot(id, true);
  }

  client(id: string, requestId: number, key: string, value: string | null): void {
    const op = value === null ? { f: "read" as const, key } : { f: "write" as const, key, value };
    this.step(id, { kind: "client", requestId, clientId: `c${requestId}`, op });
  }

  /** Entry ids of a node's log (index 1 first). */
  log(id: string): string[] {
    const s = this.state(id);
    const out: string[] = [];
    for (let i = s.log.base + 1; i <= s.log.lastIndex; i++) out.push(s.log.entry(i)?.id ?? "?");
    return out;
  }
}

/** Messages between two sets of nodes. */
export const between = (a: string[], b: string[]) => (m: Sent) => a.includes(m.from) && b.includes(m.to);
export const to = (...ids: string[]) => (m: Sent) => ids.includes(m.to);
export const amongst = (...ids: string[]) => (m: Sent) => ids.includes(m.from) && ids.includes(m.to);
