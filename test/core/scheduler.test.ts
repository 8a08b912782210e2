import { test as fcTest, fc } from "@fast-check/vitest";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { LimitExceededError } from "../../sim/core/limits.ts";
import { Scheduler, type SchedulerTuning } from "../../sim/core/scheduler.ts";

describe("scheduler", () => {
  it("pops events in (time, scheduling order) order", () => {
    const s = new Scheduler(100);
    s.schedule(50, 1, 1);
    s.schedule(10, 1, 2);
    s.schedule(50, 1, 3);
    s.schedule(10, 1, 4);
    const out: number[] = [];
    while (s.pop()) out.push(s.a);
    expect(out).toEqual([2, 4, 1, 3]);
  });

  it("never delivers a cancelled event, and cancelling twice or after it ran is harmless", () => {
    const s = new Scheduler(100);
    const h = s.schedule(5, 1, 1);
    s.schedule(6, 1, 2);
    s.cancel(h);
    s.cancel(h);
    expect(s.pending).toBe(1);
    expect(s.pop()).toBe(true);
    expect(s.a).toBe(2);
    s.cancel(h);
    expect(s.pop()).toBe(false);
  });

  it("keeps an event due at Infinity (an overflowed delay) as due at the largest finite time, and refuses NaN", () => {
    for (const tuning of [{}, { nearLimit: 2, bucketTarget: 1 }]) {
      const s = new Scheduler(100, 16, tuning);
      s.schedule(Number.POSITIVE_INFINITY, 1, 1);
      const h = s.schedule(7, 1, 2);
      s.reschedule(h, 7, Number.POSITIVE_INFINITY, 1, 2);
      for (let i = 0; i < 5; i++) s.schedule(i, 1, 10 + i);
      const got: [number, number][] = [];
      while (s.pop()) got.push([s.a, s.now]);
      expect(got.slice(-2)).toEqual([
        [1, Number.MAX_VALUE],
        [2, Number.MAX_VALUE],
      ]);
      expect(got).toHaveLength(7);
      expect(() => s.schedule(Number.NaN, 1)).toThrow(/NaN/);
    }
  });

  it("returns to the heap alone, and still pops everything, when only events too late for exact bucket edges " +
    "remain", () => {
    // 9,000 events switch the bucket tier on; then a timer 1e18 us ahead, and one at exactly 2^53 with tiny limits.
    // A first version looped forever here (lo + width === lo at that magnitude). Run in a child process with a
    // time limit, so that a regression fails instead of hanging the suite.
    const script = `
      import { Scheduler } from ${JSON.stringify(new URL("../../sim/core/scheduler.ts", import.meta.url).pathname)};
      const out = [];
      const s = new Scheduler(100_000);
      for (let i = 0; i < 9000; i++) s.schedule(i, 1, i);
      s.schedule(1e18, 2, 42);
      let n = 0;
      while (s.pop()) n++;
      out.push(n, s.now, s.a);
      const t = new Scheduler(1000, 16, { nearLimit: 4, bucketTarget: 2 });
      for (let i = 0; i < 10; i++) t.schedule(i, 1, i);
      t.schedule(2 ** 53, 1, 10);
      n = 0;
      while (t.pop()) n++;
      out.push(n, t.now);
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      timeout: 20_000,
      encoding: "utf8",
    });
    expect(r.signal, "timed out: pop() did not return").toBeNull();
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([9001, 1e18, 42, 11, 2 ** 53]);
  }, 30_000);

  it("fails with a named limit when too many events are pending", () => {
    const s = new Scheduler(10);
    for (let i = 0; i < 10; i++) s.schedule(i, 1);
    expect(() => s.schedule(11, 1)).toThrow(LimitExceededError);
    expect(() => s.schedule(11, 1)).toThrow(/limits.maxPending/);
  });

  // Cancellation is lazy, so a cancelled event's entry waits in the queue until its time comes: it must not count
  // against the bound (the run stopped with "more than 10 events pending" with 9 pending), in the heap or a bucket.
  it("counts only live events against maxPending, however many cancelled ones still wait for their time", () => {
    for (const tuning of [{}, { nearLimit: 2, bucketTarget: 1 }]) {
      const s = new Scheduler(10, 16, tuning);
      const handles = Array.from({ length: 10 }, (_, i) => s.schedule(1000 + i, 1, i));
      s.cancel(handles[3] as number);
      s.cancel(handles[7] as number);
      expect(s.pending).toBe(8);
      s.schedule(5, 1, 100);
      s.schedule(2000, 1, 101);
      expect(s.pending).toBe(10);
      expect(() => s.schedule(6, 1, 102)).toThrow(/more than 10 events pending/);
      // Scheduling and cancelling far events again and again at the bound: the dead entries must not pile up.
      for (let i = 0; i < 100; i++) {
        expect(s.pop()).toBe(true);
        s.cancel(s.schedule(3000 + i, 1, 200 + i));
        s.schedule(s.now + 1, 1, 300 + i);
        expect(s.pending).toBe(10);
      }
    }
  });

  // Reviving a cancelled event (reschedule with its old handle) makes it live again: at the bound that is one event
  // too many, as a schedule would be, though the revived event reuses its entry.
  it("refuses to revive a cancelled event past maxPending, as it refuses a schedule", () => {
    for (const tuning of [{}, { nearLimit: 2, bucketTarget: 1 }]) {
      const s = new Scheduler(4, 16, tuning);
      const handles = Array.from({ length: 4 }, (_, i) => s.schedule(100 + i, 1, i));
      s.cancel(handles[1] as number);
      s.schedule(200, 1, 4);
      expect(s.pending).toBe(4);
      expect(() => s.reschedule(handles[1] as number, 101, 150, 1, 1)).toThrow(/more than 4 events pending/);
      expect(s.pending).toBe(4);
      const order: number[] = [];
      while (s.pop()) order.push(s.a);
      expect(order).toEqual([0, 2, 3, 4]);
    }
  });

  // Both tiers: the defaults keep these small queues in the heap; tiny limits push most entries out to buckets, so
  // spills, drains and re-layouts (and entries rescheduled or cancelled while they wait in a bucket) all happen.
  const tunings: [string, SchedulerTuning][] = [
    ["heap only", {}],
    ["bucketed", { nearLimit: 4, bucketTarget: 2 }],
    ["bucketed, wide buckets", { nearLimit: 16, bucketTarget: 40 }],
  ];
  for (const [name, tuning] of tunings) {
    fcTest.prop([
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { minLength: 1, maxLength: 400 }),
    ])(`matches a stable sort of the scheduled events, with random cancellations (${name})`, (items) => {
      const s = new Scheduler(10_000, 16, tuning);
      const handles = items.map(([t], i) => s.schedule(t, 1, i));
      items.forEach(([, cancel], i) => {
        if (cancel) s.cancel(handles[i] as number);
      });
      const expected = items
        .map(([t, cancel], i) => ({ t, i, cancel }))
        .filter((x) => !x.cancel)
        .sort((a, b) => a.t - b.t || a.i - b.i)
        .map((x) => x.i);
      const got: number[] = [];
      while (s.pop()) got.push(s.a);
      expect(got).toEqual(expected);
    });

    fcTest.prop([
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant("schedule" as const), t: fc.integer({ min: 0, max: 500 }) }),
          fc.record({ op: fc.constant("move" as const), which: fc.nat(), t: fc.integer({ min: 0, max: 500 }) }),
          fc.record({ op: fc.constant("cancel" as const), which: fc.nat() }),
          fc.record({ op: fc.constant("revive" as const), which: fc.nat(), t: fc.integer({ min: 0, max: 500 }) }),
          fc.record({ op: fc.constant("pop" as const) }),
          fc.record({ op: fc.constant("peek" as const) }),
        ),
        { minLength: 1, maxLength: 300 },
      ),
    ])(
      `reschedule orders events exactly as cancel + schedule would, earlier or later, interleaved with ` +
        `pops, and revives cancelled or popped events as a fresh schedule would; each pop gives the kind and ` +
        `payload last set (${name})`,
      (ops) => checkAgainstReference(ops, tuning),
    );
  }

  it(
    "keeps the order through long runs that spill to buckets, " + "drain them, re-lay them and reschedule across them",
    () => {
      // Thousands of ops, most events far ahead of a few near ones, so the bucket tier is used throughout (the
      // property tests above are short). Deterministic: a fixed seed per tuning.
      // Seeds 4 and 5 draw from a few dozen distinct times: many ties, and entries due exactly at bucket boundaries.
      // Seeds 6 and 7 mix in times of 2^54 and more, where doubles are 4 apart and bucket edges could not be exact
      // (a timer armed for "never"); they must wait in the overflow and come back through the heap.
      const spread = (far: number) => (rnd: () => number) =>
        rnd() < 0.3 ? Math.floor(rnd() * Math.min(50, far)) : Math.floor(rnd() * far);
      const huge = (rnd: () => number) =>
        rnd() < 0.2 ? 2 ** 54 + 4 * Math.floor(rnd() * 40) : Math.floor(rnd() * 100_000);
      for (const [seed, tuning, draw] of [
        [1, { nearLimit: 8, bucketTarget: 4 }, spread(100_000)],
        [2, { nearLimit: 64, bucketTarget: 16 }, spread(100_000)],
        [3, { nearLimit: 8, bucketTarget: 1000 }, spread(100_000)],
        [4, { nearLimit: 4, bucketTarget: 2 }, spread(40)],
        [5, { nearLimit: 16, bucketTarget: 3 }, spread(25)],
        [6, { nearLimit: 2, bucketTarget: 1 }, huge],
        [7, { nearLimit: 8, bucketTarget: 4 }, huge],
      ] as [number, SchedulerTuning, (rnd: () => number) => number][]) {
        const rnd = mulberry(seed);
        const when = () => draw(rnd);
        const ops: Op[] = [];
        for (let i = 0; i < 6000; i++) {
          const r = rnd();
          const which = Math.floor(rnd() * 1e9);
          if (r < 0.35) ops.push({ op: "schedule", t: when() });
          else if (r < 0.5) ops.push({ op: "move", which, t: when() });
          else if (r < 0.55) ops.push({ op: "cancel", which });
          else if (r < 0.6) ops.push({ op: "revive", which, t: when() });
          else if (r < 0.62) ops.push({ op: "peek" });
          else ops.push({ op: "pop" });
        }
        checkAgainstReference(ops, tuning);
      }
    },
  );

  it(
    "keeps the order at the pending bound, with cancelled entries dropped to make room, in the heap and in " +
      "buckets",
    () => {
      for (const [seed, tuning] of [
        [11, {}],
        [12, { nearLimit: 4, bucketTarget: 2 }],
        [13, { nearLimit: 2, bucketTarget: 1 }],
      ] as [number, SchedulerTuning][]) {
        const rnd = mulberry(seed);
        const ops: Op[] = [];
        for (let i = 0; i < 6000; i++) {
          const r = rnd();
          const which = Math.floor(rnd() * 1e9);
          const t = rnd() < 0.5 ? Math.floor(rnd() * 20) : Math.floor(rnd() * 5000);
          if (r < 0.45) ops.push({ op: "schedule", t });
          else if (r < 0.55) ops.push({ op: "move", which, t });
          else if (r < 0.75) ops.push({ op: "cancel", which });
          else if (r < 0.8) ops.push({ op: "revive", which, t });
          else if (r < 0.82) ops.push({ op: "peek" });
          else ops.push({ op: "pop" });
        }
        checkAgainstReference(ops, tuning, 25);
      }
    },
  );
});

type Op =
  | { op: "schedule"; t: number }
  | { op: "move"; which: number; t: number }
  | { op: "cancel"; which: number }
  | { op: "revive"; which: number; t: number }
  | { op: "pop" }
  | { op: "peek" };

/**
 * Run `ops` on a scheduler and on a reference (a list of live events sorted at each pop, where reschedule is cancel +
 * schedule with a fresh seq), checking every pop, peek and pending count against it.
 */
function checkAgainstReference(ops: readonly Op[], tuning: SchedulerTuning, maxPending = 10_000): void {
  // Reference: a list of live events (time, seq, label); reschedule = cancel + schedule with a fresh seq.
  const s = new Scheduler(maxPending, 16, tuning);
  let seq = 0;
  let label = 0;
  type Ev = { t: number; seq: number; label: number; handle: number; kind: number; payload: object | undefined };
  const live: Ev[] = [];
  /** Cancelled events (or events popped since), which reschedule with their old handle and due time brings back. */
  const dead: Ev[] = [];
  /** Kind and payload for a (re)schedule at time t: some events carry a payload, some none, and it may change. */
  const kindAt = (t: number) => 1 + (t % 3);
  const payloadAt = (t: number, l: number) => (t % 2 === 0 ? undefined : { l, t });
  const popped: number[] = [];
  const expected: number[] = [];
  const refPop = () => {
    live.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const e = live.shift();
    if (e !== undefined) expected.push(e.label);
    return e;
  };
  let now = 0;
  for (const o of ops) {
    if (o.op === "schedule" && live.length >= maxPending) {
      expect(() => s.schedule(now + o.t, 1)).toThrow(LimitExceededError);
    } else if (o.op === "schedule") {
      const t = now + o.t;
      const l = label++;
      const payload = payloadAt(t, l);
      live.push({ t, seq: seq++, label: l, handle: s.schedule(t, kindAt(t), l, 0, payload), kind: kindAt(t), payload });
    } else if (o.op === "move" && live.length > 0) {
      const e = live[o.which % live.length] as (typeof live)[number];
      const t = now + o.t;
      e.payload = payloadAt(t, e.label);
      e.kind = kindAt(t);
      e.handle = s.reschedule(e.handle, e.t, t, e.kind, e.label, 0, e.payload);
      e.t = t;
      e.seq = seq++;
    } else if (o.op === "cancel" && live.length > 0) {
      const [e] = live.splice(o.which % live.length, 1) as [Ev];
      s.cancel(e.handle);
      dead.push(e);
    } else if (o.op === "revive" && dead.length > 0 && live.length >= maxPending) {
      const e = dead[o.which % dead.length] as Ev;
      expect(() => s.reschedule(e.handle, e.t, Math.max(now, e.t) + o.t, 1)).toThrow(LimitExceededError);
    } else if (o.op === "revive" && dead.length > 0) {
      const [e] = dead.splice(o.which % dead.length, 1) as [Ev];
      const t = Math.max(now, e.t) + o.t;
      e.payload = payloadAt(t, e.label);
      e.kind = kindAt(t);
      e.handle = s.reschedule(e.handle, e.t, t, e.kind, e.label, 0, e.payload);
      e.t = t;
      e.seq = seq++;
      live.push(e);
    } else if (o.op === "peek") {
      const min = live.reduce((m, e) => Math.min(m, e.t), Number.POSITIVE_INFINITY);
      expect(s.peekTime()).toBe(min);
      expect(s.pending).toBe(live.length);
    } else if (o.op === "pop") {
      const e = refPop();
      expect(s.pop()).toBe(e !== undefined);
      if (e !== undefined) {
        popped.push(s.a);
        now = s.now;
        expect(s.now).toBe(e.t);
        expect(s.kind).toBe(e.kind);
        expect(s.payload).toBe(e.payload);
        dead.push(e);
      }
    }
  }
  for (let e = refPop(); e !== undefined; e = refPop()) {
    expect(s.pop()).toBe(true);
    popped.push(s.a);
    expect(s.kind).toBe(e.kind);
    expect(s.payload).toBe(e.payload);
  }
  expect(s.pop()).toBe(false);
  expect(popped).toEqual(expected);
  expect(s.pending).toBe(0);
}

/** A small seeded generator for long op sequences (mulberry32). */
function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
