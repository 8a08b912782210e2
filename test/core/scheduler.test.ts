import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { LimitExceededError } from "../../sim/core/limits.ts";
import { Scheduler } from "../../sim/core/scheduler.ts";

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

  it("fails with a named limit when too many events are pending", () => {
    const s = new Scheduler(10);
    for (let i = 0; i < 10; i++) s.schedule(i, 1);
    expect(() => s.schedule(11, 1)).toThrow(LimitExceededError);
    expect(() => s.schedule(11, 1)).toThrow(/limits.maxPending/);
  });

  fcTest.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { minLength: 1, maxLength: 400 })])(
    "matches a stable sort of the scheduled events, with random cancellations",
    (items) => {
      const s = new Scheduler(10_000, 16);
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
    },
  );

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
  ])("reschedule orders events exactly as cancel + schedule would, earlier or later, interleaved with pops, and revives cancelled or popped events as a fresh schedule would; each pop gives the kind and payload last set", (ops) => {
    // Reference: a list of live events (time, seq, label); reschedule = cancel + schedule with a fresh seq.
    const s = new Scheduler(10_000, 16);
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
      if (o.op === "schedule") {
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
  });
});
