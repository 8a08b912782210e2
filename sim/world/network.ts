import { assert } from "../core/assert.ts";
import { EV_DELIVER } from "../core/eventKinds.ts";
import type { Rng } from "../core/rng.ts";
import { growFloat64, growInt32 } from "../core/typed.ts";
import type { Scheduler } from "../core/scheduler.ts";
import type { Micros } from "../core/types.ts";
import type { LinkSpec, ResolvedScenario } from "../scenario/resolved.ts";
import type { DropReason } from "../trace/events.ts";
import type { TraceSink } from "../trace/sink.ts";
import { sampleLatency } from "./latency.ts";
import type { Partitions } from "./partitions.ts";
import type { Topology } from "./topology.ts";

/** Scheduler event kind the network uses for deliveries (a = message slot). */

const DROP_REASONS: readonly DropReason[] = ["loss", "partition", "crash", "link-down", "queue-full"];

export interface NetworkCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  dropsByReason: Record<DropReason, number>;
  /** Bytes of every message sent (as the protocol sized them), and of those between two datacenters. */
  bytes: number;
  crossDcBytes: number;
}

/**
 * The simulated network. Links are per directed datacenter pair (d*D + e); each has a LinkSpec that may change at
 * run time. Bandwidth is modelled per directed endpoint pair: a message occupies the wire for
 * ceil(bytes / blockBytes) * blockBytes / bandwidth and waits behind earlier messages on the same pair (or, on a
 * link marked `shared`, behind every earlier message across that directed DC link: one WAN pipe for all pairs).
 *
 * In-flight messages live in slot arrays (from, to, id, sentAt, body) so a delivery event carries one int.
 */
export class Network {
  readonly counters: NetworkCounters;
  private readonly links: LinkSpec[];
  private readonly dcCount: number;
  private readonly endpoints: number;
  private busyUntil: Float64Array | null = null;
  /** Directed links now down: while none is, a delivery need not look its link up. */
  private linksDown = 0;
  private nextId = 1;

  private mFrom = new Int32Array(1024);
  private mTo = new Int32Array(1024);
  private mId = new Float64Array(1024);
  private mSent = new Float64Array(1024);
  private mBody: unknown[] = new Array(1024).fill(undefined);
  /** Free message slots, a stack: mFree[0..mFreeCount). */
  private mFree = new Int32Array(1024);
  private mFreeCount = 0;
  private mNext = 0;

  constructor(
    scenario: ResolvedScenario,
    private readonly topology: Topology,
    private readonly partitions: Partitions,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly sink: TraceSink,
  ) {
    this.dcCount = topology.dcNames.length;
    this.endpoints = topology.endpointCount;
    assert(
      this.dcCount > 0 && this.endpoints >= topology.nodeCount,
      () => `network: ${this.dcCount} DCs, ${this.endpoints} endpoints`,
    );
    this.links = [];
    for (let a = 0; a < this.dcCount; a++) {
      for (let b = 0; b < this.dcCount; b++) {
        this.links.push({ ...(a === b ? scenario.network.intraDc : scenario.network.interDc) });
      }
    }
    for (const o of scenario.network.links) this.applyLink(o.from, o.to, o.oneWay, o.spec);
    this.counters = {
      sent: 0,
      delivered: 0,
      dropped: 0,
      duplicated: 0,
      dropsByReason: { loss: 0, partition: 0, crash: 0, "link-down": 0, "queue-full": 0 },
      bytes: 0,
      crossDcBytes: 0,
    };
    this.ensureBandwidthState();
    assert(this.links.length === this.dcCount * this.dcCount, "network: one link per directed DC pair");
  }

  /** The spec of the directed link from DC index a to DC index b. */
  link(a: number, b: number): LinkSpec {
    return this.links[a * this.dcCount + b] as LinkSpec;
  }

  /** Change the link(s) between two DCs (both directions unless oneWay). */
  applyLink(from: string, to: string, oneWay: boolean, change: Partial<LinkSpec>): void {
    const a = this.topology.dcIndex(from);
    const b = this.topology.dcIndex(to);
    assert(
      a >= 0 && a < this.dcCount && b >= 0 && b < this.dcCount,
      () => `network: link ${from} -> ${to}: unknown DC`,
    );
    const set = (x: number, y: number) => {
      const i = x * this.dcCount + y;
      this.links[i] = { ...(this.links[i] as LinkSpec), ...change };
    };
    set(a, b);
    if (!oneWay && a !== b) set(b, a);
    this.linksDown = this.links.filter((l) => !l.up).length;
    this.ensureBandwidthState();
    assert(this.links.length === this.dcCount * this.dcCount, "network: one link per directed DC pair");
  }

  private linkOf(from: number, to: number): LinkSpec {
    const dcOf = this.topology.dcOfEndpoint;
    return this.links[(dcOf[from] as number) * this.dcCount + (dcOf[to] as number)] as LinkSpec;
  }

  /**
   * Send `body` from endpoint `from` to endpoint `to`. Returns the message id. Client traffic is not duplicable:
   * clients talk over connections, and a duplicated request would turn a "fail" (certainly not applied) into a lie.
   * Losses decided at send time are traced at send time; partition, link-down and crash drops are decided again on
   * arrival.
   */
  send(from: number, to: number, body: unknown, type: string, bytes: number, duplicable = true): number {
    const now = this.scheduler.now;
    if (!(from >= 0 && from < this.endpoints && to >= 0 && to < this.endpoints && bytes >= 0))
      assert(
        false,
        `network: send ${from} -> ${to} of ${bytes} bytes: endpoints in [0, ${this.endpoints}), bytes >= 0`,
      );
    const id = this.nextId++;
    const c = this.counters;
    c.sent++;
    c.bytes += bytes;
    const dcOf = this.topology.dcOfEndpoint;
    if (dcOf[from] !== dcOf[to]) c.crossDcBytes += bytes;
    this.sink.send(now, from, to, id, type, body, bytes);
    const spec = this.linkOf(from, to);
    if (!spec.up) return (this.dropNow(from, to, id, "link-down"), id);
    if (this.partitions.blocked(from, to)) return (this.dropNow(from, to, id, "partition"), id);
    if (spec.loss > 0 && this.rng.next() < spec.loss) return (this.dropNow(from, to, id, "loss"), id);
    let departAt = now;
    if (spec.bandwidthBytesPerSecond !== null && this.busyUntil !== null) {
      const dcOfE = this.topology.dcOfEndpoint;
      // A shared link: one queue for the directed DC pair, stored after the per-endpoint-pair slots.
      const pair =
        spec.shared === true
          ? this.endpoints * this.endpoints + (dcOfE[from] as number) * this.dcCount + (dcOfE[to] as number)
          : from * this.endpoints + to;
      assert(pair < this.busyUntil.length, () => `network: bandwidth slot ${pair} of ${this.busyUntil?.length}`);
      const start = Math.max(now, this.busyUntil[pair] as number);
      const queuedBytes = ((start - now) * spec.bandwidthBytesPerSecond) / 1e6;
      if (queuedBytes + bytes > spec.queueLimitBytes) return (this.dropNow(from, to, id, "queue-full"), id);
      const wireBytes = Math.ceil(bytes / spec.blockBytes) * spec.blockBytes;
      departAt = start + Math.ceil((wireBytes * 1e6) / spec.bandwidthBytesPerSecond);
      this.busyUntil[pair] = departAt;
    }
    if (!(departAt >= now)) assert(false, () => `network: message ${id} departs at ${departAt}us, before ${now}us`);
    this.schedule(from, to, id, now, body, departAt + sampleLatency(spec.latency, this.rng));
    if (duplicable && spec.duplicate > 0 && this.rng.next() < spec.duplicate) {
      const copy = this.nextId++;
      this.counters.duplicated++;
      this.sink.duplicate(now, from, to, id, copy);
      this.schedule(from, to, copy, now, body, departAt + sampleLatency(spec.latency, this.rng));
    }
    this.checkConservation();
    return id;
  }

  /** Every message sent or duplicated is delivered, dropped, or still in flight. */
  private checkConservation(): void {
    const c = this.counters;
    if (c.sent + c.duplicated !== c.delivered + c.dropped + this.inFlight)
      assert(
        false,
        `network: ${c.sent} sent + ${c.duplicated} duplicated != ${c.delivered} delivered + ${c.dropped} dropped + ` +
          `${this.inFlight} in flight`,
      );
  }

  /**
   * Take the message in `slot` off the wire at its delivery time. Returns true when it should be handed to `to`,
   * false when it was dropped on arrival (partition now in force, link now down, receiver down).
   * `up[e]` says whether node endpoint e is up; endpoints past its end (clients) always are. On true,
   * arrivedFrom/arrivedTo/arrivedBody hold the message.
   */
  arrive(slot: number, up: readonly boolean[]): boolean {
    if (!(slot >= 0 && slot < this.mNext))
      assert(false, `network: delivery of slot ${slot}, not in [0, ${this.mNext})`);
    const from = this.mFrom[slot] as number;
    const to = this.mTo[slot] as number;
    const id = this.mId[slot] as number;
    const sentAt = this.mSent[slot] as number;
    const body = this.mBody[slot];
    this.mBody[slot] = undefined;
    this.mFree[this.mFreeCount++] = slot;
    const now = this.scheduler.now;
    if (!(sentAt <= now))
      assert(false, `network: message ${id} arrives at ${now}us, before it was sent at ${sentAt}us`);
    // A link that went down while the message was on it loses it, as a partition does (checked in send's order, so
    // a message both would drop is a link-down drop either way).
    if (this.linksDown > 0 && !this.linkOf(from, to).up) return (this.dropNow(from, to, id, "link-down"), false);
    if (this.partitions.blocked(from, to)) return (this.dropNow(from, to, id, "partition"), false);
    if (to < up.length && !up[to]) return (this.dropNow(from, to, id, "crash"), false);
    this.counters.delivered++;
    this.sink.deliver(now, from, to, id, sentAt);
    this.arrivedFrom = from;
    this.arrivedTo = to;
    this.arrivedBody = body;
    return true;
  }

  /** The message `arrive` last returned true for (no object per delivery). */
  arrivedFrom = 0;
  arrivedTo = 0;
  arrivedBody: unknown = undefined;

  get inFlight(): number {
    return this.mNext - this.mFreeCount;
  }

  private schedule(from: number, to: number, id: number, sentAt: Micros, body: unknown, at: Micros): void {
    if (!(at >= sentAt)) assert(false, `network: message ${id} sent at ${sentAt}us would arrive earlier, at ${at}us`);
    const slot = this.allocSlot();
    this.mFrom[slot] = from;
    this.mTo[slot] = to;
    this.mId[slot] = id;
    this.mSent[slot] = sentAt;
    this.mBody[slot] = body;
    this.scheduler.schedule(at, EV_DELIVER, slot, 0);
    if (!(this.inFlight <= this.mFrom.length)) assert(false, `network: ${this.inFlight} in flight, over the slots`);
  }

  private dropNow(from: number, to: number, id: number, why: DropReason): void {
    if (!(id > 0 && id < this.nextId)) assert(false, `network: drop of message ${id}, never sent`);
    this.counters.dropped++;
    this.counters.dropsByReason[why]++;
    this.sink.drop(this.scheduler.now, from, to, id, why);
    const c = this.counters;
    if (!(c.dropped <= c.sent + c.duplicated)) assert(false, `network: ${c.dropped} dropped of ${c.sent} sent`);
  }

  private allocSlot(): number {
    if (!(this.mFreeCount >= 0 && this.mFreeCount <= this.mNext))
      assert(false, () => `network: ${this.mFreeCount} free slots of ${this.mNext}`);
    if (this.mFreeCount > 0) return this.mFree[--this.mFreeCount] as number;
    if (this.mNext === this.mFrom.length) {
      const cap = this.mFrom.length * 2;
      this.mFrom = growInt32(this.mFrom, cap);
      this.mTo = growInt32(this.mTo, cap);
      this.mId = growFloat64(this.mId, cap);
      this.mSent = growFloat64(this.mSent, cap);
      this.mFree = growInt32(this.mFree, cap);
      for (let i = this.mBody.length; i < cap; i++) this.mBody.push(undefined);
      assert(this.mFree.length === cap && this.mBody.length >= cap, "network: every slot array grown together");
    }
    return this.mNext++;
  }

  private ensureBandwidthState(): void {
    assert(this.endpoints > 0, () => `network: bandwidth state for ${this.endpoints} endpoints`);
    if (this.busyUntil !== null) return;
    if (this.links.some((l) => l.bandwidthBytesPerSecond !== null)) {
      const slots = this.endpoints * this.endpoints + this.dcCount * this.dcCount;
      this.busyUntil = new Float64Array(slots);
      assert(this.busyUntil.length === slots, "network: one busy time per endpoint pair and per shared DC link");
    }
  }
}

export { DROP_REASONS };
