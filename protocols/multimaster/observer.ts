import { assert } from "../../sim/core/assert.ts";
import type { MetricSpec } from "../../sim/core/metrics.ts";
import type { Observer, ObserverContext } from "../../sim/core/protocol.ts";
import type { MultiMasterState } from "./node.ts";
import type { MultiMasterOptions } from "./options.ts";

export const multiMasterMetrics: readonly MetricSpec[] = [
  {
    name: "conflicts",
    kind: "counter",
    unit: "count",
    description: "distinct pairs of concurrent versions of a key that met in a merge at some replica",
  },
  {
    name: "lww.lost-updates",
    kind: "counter",
    unit: "count",
    description:
      "LWW: acknowledged writes that no later write saw and that the final value did not see (overwritten by a " +
      "concurrent write), counted at the end of the run, by the node that accepted them",
    label: "origin",
  },
  {
    name: "siblings.created",
    kind: "counter",
    unit: "count",
    description: "siblings mode: distinct versions that were kept beside a concurrent one",
  },
  {
    name: "replication.lag",
    kind: "sample",
    unit: "micros",
    description: "from a write's acceptance at its origin to its application at a peer (simulated time)",
    label: "origin->replica",
  },
  {
    name: "converge.after-heal",
    kind: "sample",
    unit: "micros",
    description:
      "from the first replica hearing a silent peer again (a heal) to every replica holding every write accepted " +
      "before it (the partition's backlog drained, its conflicts resolved)",
  },
];

type Ctx = ObserverContext<MultiMasterState, MultiMasterOptions>;

interface Written {
  origin: string;
  seq: number;
  key: string;
  saw: readonly string[];
  atMicros: number;
}

/**
 * Measures what no node can know alone: when each write was accepted (simulated time) and when each replica applied
 * it (lag per pair), conflicts and siblings counted once across replicas, the time from a heal to convergence, and,
 * at the end, the updates LWW lost. It reads node states and never changes them.
 */
class MultiMasterObserver {
  /** origin -> its writes by seq - 1. */
  private readonly written = new Map<string, Written[]>();
  /** node index -> highest applied seq per origin already measured. */
  private readonly measured: Map<string, number>[] = [];
  /** node index -> the state object and how many of its events were read. */
  private readonly seen: { state: MultiMasterState | undefined; events: number; reconnects: number }[] = [];
  private readonly pairs = new Set<string>();
  private readonly siblings = new Set<string>();
  private healAtMicros = -1;
  /** When a heal was seen: origin -> how many writes it had accepted then (what every replica must catch up to). */
  private readonly backlog = new Map<string, number>();

  /** Every node up and holding every write its origin had accepted when the heal was seen. */
  private caughtUp(ctx: Ctx): boolean {
    for (const s of ctx.states) {
      if (s === undefined || s.damaged) return false;
      for (const [origin, n] of this.backlog) if ((s.applied.get(origin) ?? 0) < n) return false;
    }
    return true;
  }

  step(ctx: Ctx, stepped: number): void {
    const s = ctx.states[stepped];
    if (s === undefined) return;
    this.recordWrites(ctx, stepped, s);
    this.recordLag(ctx, stepped, s);
    this.recordEvents(ctx, stepped, s);
    if (this.healAtMicros >= 0 && this.caughtUp(ctx)) {
      ctx.metric("converge.after-heal", ctx.now - this.healAtMicros);
      ctx.note(stepped, `replicas caught up ${Math.round((ctx.now - this.healAtMicros) / 1000)}ms after the heal`);
      this.healAtMicros = -1;
    }
  }

  private recordWrites(ctx: Ctx, i: number, s: MultiMasterState): void {
    const origin = ctx.nodes[i] as string;
    const list = this.written.get(origin) ?? [];
    this.written.set(origin, list);
    for (let k = list.length; k < s.log.length; k++) {
      const u = s.log[k];
      assert(u !== undefined && u.seq === k + 1, () => `observer: ${origin}'s log has a gap at ${k + 1}`);
      list.push({ origin, seq: u.seq, key: u.key, saw: u.saw, atMicros: ctx.now });
    }
  }

  private recordLag(ctx: Ctx, i: number, s: MultiMasterState): void {
    const me = ctx.nodes[i] as string;
    assert(s.id === me, () => `observer: node ${i} is ${me} but its state says ${s.id}`);
    const m = this.measured[i] ?? new Map<string, number>();
    this.measured[i] = m;
    for (const [origin, a] of s.applied) {
      if (origin === me) continue;
      const list = this.written.get(origin) ?? [];
      for (let seq = (m.get(origin) ?? 0) + 1; seq <= a; seq++) {
        const w = list[seq - 1];
        if (w === undefined) continue;
        assert(ctx.now >= w.atMicros, () => `observer: ${me} applied ${origin}:${seq} before it was written`);
        ctx.metric("replication.lag", ctx.now - w.atMicros, `${origin}->${me}`);
      }
      m.set(origin, Math.max(m.get(origin) ?? 0, a));
    }
  }

  private recordEvents(ctx: Ctx, i: number, s: MultiMasterState): void {
    let seen = this.seen[i];
    if (seen === undefined || seen.state !== s) {
      seen = { state: s, events: 0, reconnects: 0 };
      this.seen[i] = seen;
    }
    for (let k = seen.events; k < s.events.length; k++) {
      const e = s.events[k];
      assert(e !== undefined, () => `observer: event ${k} of ${ctx.nodes[i]} is missing`);
      const id = `${e.key}:${e.pair[0]}/${e.pair[1]}`;
      if (!this.pairs.has(id)) {
        this.pairs.add(id);
        ctx.metric("conflicts", 1);
      }
      if (e.winner !== null) continue;
      for (const v of e.pair) {
        if (this.siblings.has(v)) continue;
        this.siblings.add(v);
        ctx.metric("siblings.created", 1);
      }
    }
    seen.events = s.events.length;
    if (s.reconnects > seen.reconnects && this.healAtMicros < 0) {
      this.healAtMicros = ctx.now;
      for (const [origin, list] of this.written) this.backlog.set(origin, list.length);
      assert(this.backlog.size <= ctx.nodes.length, () => "observer: a backlog for more origins than nodes");
    }
    seen.reconnects = s.reconnects;
  }

  /**
   * LWW's lost updates, at the end: per key, the acknowledged writes that are not the final version and that no
   * write overwrote having seen them (no write lists them in `saw`): a concurrent write discarded them.
   */
  finish(ctx: Ctx): void {
    if (ctx.options.resolution !== "lww") return;
    const ref = ctx.states.find((x) => x !== undefined && !x.damaged);
    if (ref === undefined) return;
    const overwritten = new Set<string>();
    const byKey = new Map<string, Written[]>();
    for (const list of this.written.values())
      for (const w of list) {
        for (const id of w.saw) overwritten.add(id);
        byKey.set(w.key, [...(byKey.get(w.key) ?? []), w]);
      }
    let lost = 0;
    const byOrigin = new Map<string, number>(ctx.nodes.map((n) => [n, 0]));
    for (const [key, ws] of byKey) {
      const final = ref.store.get(key)?.[0];
      assert(final !== undefined, () => `observer: ${key} was written but ${ref.id} holds no version of it`);
      const finalId = `${final.origin}:${final.seq}`;
      for (const w of ws) {
        if (`${w.origin}:${w.seq}` === finalId || overwritten.has(`${w.origin}:${w.seq}`)) continue;
        lost++;
        byOrigin.set(w.origin, (byOrigin.get(w.origin) ?? 0) + 1);
      }
    }
    let total = 0;
    for (const ws of byKey.values()) total += ws.length;
    assert(lost <= total - byKey.size, () => `observer: ${lost} lost updates of ${total} writes to ${byKey.size} keys`);
    for (const [origin, n] of byOrigin) ctx.metric("lww.lost-updates", n, origin);
  }
}

export const multiMasterObservers: Observer<MultiMasterState, MultiMasterOptions>[] = [
  {
    name: "replication",
    description: "replication lag per pair, conflicts, siblings, time to converge after a heal, LWW lost updates",
    create: () => new MultiMasterObserver(),
  },
];
