import { assert } from "../core/assert.ts";
import { EV_CLIENT_NEXT, EV_CLIENT_TIMEOUT } from "../core/eventKinds.ts";
import type { ClientReply, KvOp } from "../core/protocol.ts";
import type { Rng } from "../core/rng.ts";
import type { Micros } from "../core/types.ts";
import type { HistoryOp, HistoryOutcome } from "../check/history.ts";
import { HistoryLog, smallInt } from "../check/historyLog.ts";
import { clientName, type Workload } from "../scenario/resolved.ts";

const OWNER_RING = 8192;
const OWNER_MASK = OWNER_RING - 1;

/** Scheduler event kinds of the workload. */

/** What the workload needs from the world. */
export interface ClientHost {
  readonly nodeCount: number;
  now(): Micros;
  schedule(at: Micros, kind: number, a: number, b: number): number;
  /** Scheduler.reschedule: move (or revive, if cancelled) the event `handle` due at `dueAt` to `at`. */
  reschedule(handle: number, dueAt: Micros, at: Micros, kind: number, a: number, b: number): number;
  cancel(handle: number): void;
  /** Send a request from client `client` to node index `node`. */
  sendRequest(client: number, node: number, requestId: number, op: KvOp): void;
  /** Node indices in the client's own datacenter. */
  localNodes(client: number): number[];
  recordInvoke(client: number, process: number, requestId: number, node: number, op: KvOp): void;
  /**
   * Client index `client` completed request `requestId` of process `process`. `value` is what the trace shows: the
   * result of an ok op, the error of a failed one, null for info.
   */
  recordComplete(
    client: number,
    outcome: HistoryOutcome,
    process: number,
    requestId: number,
    node: number,
    value: unknown,
  ): void;
}

/** A client's operation in flight. One record per client, re-filled for each operation (requestId 0: none). */
interface Pending {
  requestId: number;
  op: KvOp;
  invokeMicros: Micros;
  node: number;
  redirects: number;
  /** Handle of this client's timeout event and when it is (or, cancelled, was) due; -1: none yet. */
  timeout: number;
  timeoutMicros: Micros;
}

/**
 * Clients of the standard key-value workload. Each client runs one operation at a time (a Jepsen process) with an
 * exponential think time between operations. A redirect is followed (same requestId) up to maxRedirects times; a
 * timeout records the op as `info` (indeterminate) and the client continues as a new process, as in Jepsen.
 */
export class Clients {
  /** Recorded as columns; see HistoryLog. */
  private readonly log: HistoryLog;
  readonly counts = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly pending: Pending[];
  private readonly process: number[];
  private readonly opCount: number[];
  private readonly leaderHint: number[];
  private nextProcess: number;
  private nextRequestId = 1;
  /**
   * requestId -> client index, for routing replies: a ring indexed by the requestId's low bits (the client, -1 when
   * free, and the requestId it holds), and a map for a requestId whose ring slot is still taken by an older pending
   * one (only when over OWNER_RING requests were invoked while it was pending). A Map set and delete per op cost
   * more than the rest of the routing.
   */
  private readonly ownerClient = new Int32Array(OWNER_RING).fill(-1);
  private readonly ownerRequest = new Float64Array(OWNER_RING);
  private readonly ownerOverflow = new Map<number, number>();
  private readonly mixTotal: number;
  /** "c1", "c2", ... and "k0", "k1", ... (as keys are first used): made once, not once per operation (the history
   * keeps every op, and a node's maps hash a key string once). */
  private readonly clientNames: string[];
  private readonly keyNames: string[];
  /** Time the last op completed ok (for the built-in "client-ok" liveness condition). */
  lastOkMicros = -1;
  /** Time the last write, cas or append completed ok (for "client-ok-write"). */
  lastOkWriteMicros = -1;
  /** Told of every op that completes ok (the window checks), when set: invoke time, now, is it a write. */
  onOk: ((invokedAt: Micros, now: Micros, write: boolean) => void) | null = null;

  constructor(
    private readonly spec: Workload,
    private readonly host: ClientHost,
    private readonly rngs: Rng[],
  ) {
    const n = spec.clients;
    assert(n >= 0 && rngs.length === n, () => `workload: ${n} clients, ${rngs.length} rng streams`);
    this.pending = Array.from({ length: n }, () => ({
      requestId: 0,
      op: { f: "read", key: "" },
      invokeMicros: 0,
      node: -1,
      redirects: 0,
      timeout: -1,
      timeoutMicros: 0,
    }));
    this.process = Array.from({ length: n }, (_, i) => i);
    this.nextProcess = n;
    this.opCount = new Array(n).fill(0);
    this.leaderHint = new Array(n).fill(-1);
    const m = spec.mix;
    this.mixTotal = m.read + m.write + m.cas + m.append;
    this.clientNames = Array.from({ length: n }, (_, i) => clientName(i));
    this.keyNames = [];
    this.log = new HistoryLog(this.clientNames);
    assert(this.mixTotal >= 0, () => `workload: op mix totals ${this.mixTotal}, expected >= 0`);
    assert(
      this.pending.length === n &&
        this.opCount.length === n &&
        this.leaderHint.length === n &&
        this.process.length === n,
      "workload: one pending slot, op count, leader hint and process per client",
    );
  }

  /** The history so far (built from the recorded columns on first use). */
  get history(): HistoryOp[] {
    return this.log.toArray();
  }

  start(): void {
    assert(this.counts.invoked === 0, () => `workload: started after ${this.counts.invoked} ops were invoked`);
    if (this.spec.ratePerClient <= 0 || this.mixTotal <= 0) return;
    assert(this.spec.startMicros >= 0, () => `workload: starts at ${this.spec.startMicros}us`);
    for (let c = 0; c < this.spec.clients; c++) this.scheduleNext(c, this.spec.startMicros);
  }

  ownerOf(requestId: number): number | undefined {
    const slot = requestId & OWNER_MASK;
    const c = this.ownerClient[slot] as number;
    if (c >= 0 && this.ownerRequest[slot] === requestId) return c;
    return this.ownerOverflow.size > 0 ? this.ownerOverflow.get(requestId) : undefined;
  }

  private setOwner(requestId: number, c: number): void {
    const slot = requestId & OWNER_MASK;
    if ((this.ownerClient[slot] as number) >= 0) {
      this.ownerOverflow.set(requestId, c);
      return;
    }
    this.ownerClient[slot] = c;
    this.ownerRequest[slot] = requestId;
  }

  private deleteOwner(requestId: number): void {
    const slot = requestId & OWNER_MASK;
    if (this.ownerRequest[slot] === requestId && (this.ownerClient[slot] as number) >= 0) this.ownerClient[slot] = -1;
    else this.ownerOverflow.delete(requestId);
  }

  /** Think time is over: invoke the next op. */
  next(c: number): void {
    const now = smallInt(this.host.now());
    if (this.spec.stopMicros !== null && now >= this.spec.stopMicros) return;
    const rng = this.rngs[c] as Rng;
    const op = this.makeOp(c, rng);
    const requestId = this.nextRequestId++;
    const node = this.pickNode(c, rng);
    const p = this.pending[c] as Pending;
    if (p.requestId !== 0) assert(false, `client ${c} starts request ${requestId} with ${p.requestId} still pending`);
    // The previous op's timeout, cancelled when it completed, is re-armed (same order as a fresh schedule).
    const at = now + this.spec.timeoutMicros;
    p.timeout =
      p.timeout < 0
        ? this.host.schedule(at, EV_CLIENT_TIMEOUT, c, requestId)
        : this.host.reschedule(p.timeout, p.timeoutMicros, at, EV_CLIENT_TIMEOUT, c, requestId);
    p.timeoutMicros = at;
    p.requestId = requestId;
    p.op = op;
    p.invokeMicros = now;
    p.node = node;
    p.redirects = 0;
    this.setOwner(requestId, c);
    if (this.ownerOf(requestId) !== c) assert(false, `request ${requestId} not owned by client ${c}`);
    this.counts.invoked++;
    this.host.recordInvoke(c, this.process[c] as number, requestId, node, op);
    this.host.sendRequest(c, node, requestId, op);
  }

  /** A reply from node `node` for `requestId` reached client `c`. */
  reply(c: number, node: number, requestId: number, reply: ClientReply): void {
    if (!(c >= 0 && c < this.pending.length))
      assert(false, `reply for client ${c}, not in [0, ${this.pending.length})`);
    const p = this.pending[c] as Pending;
    if (p.requestId !== requestId) return; // late or duplicate reply
    switch (reply.type) {
      case "ok":
        this.complete(c, p, "ok", reply.value, node);
        return;
      case "fail":
        this.complete(c, p, "fail", reply.error, node);
        return;
      case "redirect": {
        if (p.redirects >= this.spec.maxRedirects) {
          this.complete(c, p, "fail", "too many redirects", node);
          return;
        }
        p.redirects++;
        if (!(p.redirects <= this.spec.maxRedirects)) assert(false, `client ${c}: redirects past the limit`);
        let target = reply.leader !== undefined ? this.hostIndexOf(reply.leader) : -1;
        if (target === node || target < 0) target = this.otherNode(node, this.rngs[c] as Rng);
        if (target >= 0 && reply.leader !== undefined) this.leaderHint[c] = target;
        p.node = target;
        this.host.sendRequest(c, target, requestId, p.op);
        return;
      }
    }
  }

  /** Client `c`'s op `requestId` timed out: indeterminate. */
  timeout(c: number, requestId: number): void {
    const p = this.pending[c] as Pending;
    if (p.requestId !== requestId) return;
    if (!(this.host.now() >= p.invokeMicros))
      assert(false, `client ${c}: request ${requestId} timed out before invoked`);
    this.leaderHint[c] = -1;
    this.complete(c, p, "info", "timeout", -1);
    if (p.requestId === requestId) assert(false, `client ${c}: request ${requestId} still pending after its timeout`);
  }

  /** At the end of the run, ops still pending are indeterminate. */
  finish(): void {
    const infoBefore = this.counts.info;
    let open = 0;
    for (let c = 0; c < this.pending.length; c++) if ((this.pending[c] as Pending).requestId !== 0) open++;
    for (let c = 0; c < this.pending.length; c++) {
      const p = this.pending[c] as Pending;
      if (p.requestId === 0) continue;
      this.log.push(this.process[c] as number, c, p.requestId, p.op, p.invokeMicros, null, "info", null);
      this.counts.info++;
      p.requestId = 0;
    }
    assert(this.counts.info === infoBefore + open, () => `workload: ${open} ops open at the end, not all made info`);
    assert(
      this.pending.every((p) => p.requestId === 0),
      "workload: no op pending after finish",
    );
  }

  /** Node names -> index, resolved by the world (set after construction). */
  hostIndexOf: (id: string) => number = () => -1;

  private complete(c: number, p: Pending, outcome: "ok" | "fail" | "info", value: unknown, node: number): void {
    const now = smallInt(this.host.now());
    if (!(p.requestId > 0 && now >= p.invokeMicros))
      assert(false, `client ${c}: completes request ${p.requestId} invoked at ${p.invokeMicros}us, at ${now}us`);
    this.host.cancel(p.timeout);
    const requestId = p.requestId;
    this.deleteOwner(requestId);
    if (this.ownerOf(requestId) !== undefined) assert(false, `request ${requestId} still owned after it completed`);
    const process = this.process[c] as number;
    this.log.push(
      process,
      c,
      requestId,
      p.op,
      p.invokeMicros,
      outcome === "info" ? null : now,
      outcome,
      outcome === "ok" ? value : null,
    );
    p.requestId = 0;
    this.counts[outcome]++;
    if (outcome === "ok") {
      this.lastOkMicros = now;
      const write = p.op.f !== "read";
      if (write) this.lastOkWriteMicros = now;
      if (node >= 0) this.leaderHint[c] = node;
      if (this.onOk !== null) this.onOk(p.invokeMicros, now, write);
    }
    this.host.recordComplete(c, outcome, process, requestId, node, outcome === "info" ? null : (value ?? null));
    if (outcome === "info") this.process[c] = this.nextProcess++;
    this.scheduleNext(c, now);
  }

  private scheduleNext(c: number, from: Micros): void {
    const rng = this.rngs[c] as Rng;
    const at = from + Math.max(1, Math.round(rng.exponential(1e6 / this.spec.ratePerClient)));
    if (!(at > from)) assert(false, `client ${c}: next op at ${at}us, not after ${from}us`);
    if (this.spec.stopMicros !== null && at >= this.spec.stopMicros) return;
    this.host.schedule(at, EV_CLIENT_NEXT, c, 0);
  }

  private makeOp(c: number, rng: Rng): KvOp {
    if (!(c >= 0 && c < this.opCount.length))
      assert(false, () => `workload: op for client ${c} of ${this.opCount.length}`);
    const k = rng.int(Math.max(1, this.spec.keys));
    if (!(k >= 0 && (k < this.spec.keys || k === 0)))
      assert(false, () => `workload: key index ${k} of ${this.spec.keys}`);
    let key = this.keyNames[k];
    if (key === undefined) this.keyNames[k] = key = `k${k}`;
    const n = (this.opCount[c] as number) + 1;
    this.opCount[c] = n;
    const value = `${this.clientNames[c] as string}:${n}`;
    const m = this.spec.mix;
    let r = rng.next() * this.mixTotal;
    // Frozen: an op is a value (the history keeps it, and a node may keep it in its log without a copy).
    if ((r -= m.read) < 0) return Object.freeze({ f: "read", key });
    if ((r -= m.write) < 0) return Object.freeze({ f: "write", key, value });
    if ((r -= m.cas) < 0) {
      const expected = rng.chance(0.2) ? null : `c${rng.int(this.spec.clients) + 1}:${1 + rng.int(Math.max(1, n))}`;
      return Object.freeze({ f: "cas", key, expected, value });
    }
    return Object.freeze({ f: "append", key, value });
  }

  private pickNode(c: number, rng: Rng): number {
    const n = this.host.nodeCount;
    switch (this.spec.target) {
      case "leader": {
        const hint = this.leaderHint[c] as number;
        return hint >= 0 ? hint : rng.int(n);
      }
      case "local": {
        const local = this.host.localNodes(c);
        return local.length > 0 ? rng.pick(local) : rng.int(n);
      }
      case "random":
        return rng.int(n);
    }
  }

  private otherNode(node: number, rng: Rng): number {
    const n = this.host.nodeCount;
    if (!(node >= 0 && node < n)) assert(false, () => `workload: other node than ${node} of ${n}`);
    if (n === 1) return node;
    const k = rng.int(n - 1);
    if (!(k >= 0 && k < n - 1)) assert(false, () => `workload: other-node draw ${k} of ${n - 1}`);
    return k >= node ? k + 1 : k;
  }
}
