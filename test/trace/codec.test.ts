import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { CodecTables, Cursor, putUv, unzz, zz } from "../../sim/trace/codec.ts";
import { TraceRecorder } from "../../sim/trace/recorder.ts";
import type { TraceHeader } from "../../sim/trace/events.ts";

const cursors = new WeakMap<CodecTables, Cursor>();

/** Encode v as a payload the way the recorder does (flat or primitive, else a reference) and decode it again. */
function roundTrip(tables: CodecTables, v: unknown, hint = 0): string | undefined {
  const b = new Uint8Array(4096);
  const refs: unknown[] = [];
  let pos =
    typeof v === "object" && v !== null ? tables.putFlat(b, 0, b.length, v, hint) : tables.putPrimitive(b, 0, v);
  if (pos < 0) {
    b[0] = 0;
    refs.push(v);
    pos = 1;
  }
  // One cursor per tables, as a decoder follows one encoder: it learns each hint's shape from the rows it reads.
  let c = cursors.get(tables);
  if (c === undefined) {
    c = new Cursor();
    cursors.set(tables, c);
  }
  c.b = b;
  c.pos = 0;
  c.ref = 0;
  c.refs = refs;
  const out = c.json(tables, hint);
  expect(c.pos).toBe(pos);
  return out;
}

const primitive = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    2 ** 31,
    2 ** 32 + 5,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2 ** 60,
    Number.NaN,
    Infinity,
    -Infinity,
    0.1,
    1e-7,
  ),
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.constantFrom("\u2028", "\ud800", '"quoted"\\\n', "<script>alert(1)</script>"),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

describe("trace codec", () => {
  fcTest.prop([fc.nat({ max: Number.MAX_SAFE_INTEGER })])("varints round-trip every safe integer", (v) => {
    const b = new Uint8Array(16);
    const end = putUv(b, 0, v);
    const c = new Cursor();
    c.b = b;
    expect(c.uv()).toBe(v);
    expect(c.pos).toBe(end);
  });

  fcTest.prop([fc.integer({ min: -(2 ** 51), max: 2 ** 51 })])("zigzag round-trips", (v) => {
    expect(unzz(zz(v))).toBe(v);
  });

  fcTest.prop([primitive])("a primitive decodes to exactly what JSON.stringify writes", (v) => {
    expect(roundTrip(new CodecTables(), v)).toBe(JSON.stringify(v));
  });

  fcTest.prop([
    fc.array(fc.dictionary(fc.string({ maxLength: 6 }), primitive, { maxKeys: 20 }), { minLength: 1, maxLength: 8 }),
  ])(
    "objects decode to exactly what JSON.stringify writes, whatever the shapes seen before at the same hint",
    (objects) => {
      const tables = new CodecTables();
      for (const o of objects) expect(roundTrip(tables, o, 3)).toBe(JSON.stringify(o));
    },
  );

  fcTest.prop([fc.jsonValue()])("nested values fall back to references and still decode exactly", (v) => {
    expect(roundTrip(new CodecTables(), v)).toBe(JSON.stringify(v));
  });

  it(
    "keeps objects it cannot store flat as references: " + "nested, arrays, class instances, toJSON, null prototype",
    () => {
      class Msg {
        constructor(readonly type: string) {}
      }
      const bare = Object.create(null) as Record<string, unknown>;
      bare.a = 1;
      const tables = new CodecTables();
      const b = new Uint8Array(256);
      for (const v of [
        { a: { b: 1 } },
        [1, 2],
        new Msg("x"),
        { toJSON: () => "j" },
        bare,
        { f: () => 1 },
        { big: 1n },
      ]) {
        expect(tables.putFlat(b, 0, b.length, v, 0)).toBe(-1);
      }
      // Integer-like keys come first, as in JSON.stringify.
      expect(roundTrip(tables, { b: 1, 2: "x", a: 2, 1: true })).toBe(JSON.stringify({ b: 1, 2: "x", a: 2, 1: true }));
    },
  );
});

describe("trace recorder", () => {
  const header = (recordMessages: boolean): TraceHeader =>
    ({
      format: "faultline-trace",
      version: 1,
      engine: "test",
      seed: 1,
      bugs: [],
      scenario: { trace: { enabled: true, recordMessages } },
      nodes: [
        { id: "n1", dc: "a" },
        { id: "n2", dc: "b" },
      ],
      clients: [{ id: "c1", dc: "a" }],
    }) as unknown as TraceHeader;

  fcTest.prop([
    fc.array(
      fc.tuple(
        fc.nat({ max: 5_000_000 }),
        fc.nat({ max: 6 }),
        fc.jsonValue({ maxDepth: 2 }),
        fc.dictionary(fc.string({ maxLength: 4 }), primitive, { maxKeys: 5 }),
      ),
      { maxLength: 200 },
    ),
    fc.boolean(),
  ])(
    "writes the same lines as serialising every event directly, across blocks and time jumps",
    (steps, recordMessages) => {
      const r = new TraceRecorder(header(recordMessages));
      const expected: string[] = [];
      let t = 0;
      let id = 0;
      for (const [dt, what, value, flat] of steps) {
        t += dt * (what === 6 ? 1_000_000 : 1); // some jumps of hours, past 32 bits of microseconds
        switch (what) {
          case 0: {
            id++;
            const msg = { type: "m", ...flat };
            r.send(t, 0, 1, id, "m", msg, 100 + dt);
            expected.push(
              JSON.stringify({
                t,
                k: "send",
                n: "n1",
                to: "n2",
                i: id,
                ty: "m",
                m: recordMessages ? msg : null,
                b: 100 + dt,
              }),
            );
            break;
          }
          case 1:
            r.deliver(t, 0, 1, Math.max(1, id - (dt % 3)), t - dt);
            expected.push(
              JSON.stringify({ t, k: "deliver", n: "n2", from: "n1", i: Math.max(1, id - (dt % 3)), st: t - dt }),
            );
            break;
          case 2:
            r.state(t, 1, flat);
            expected.push(JSON.stringify({ t, k: "state", n: "n2", v: flat }));
            break;
          case 3:
            r.complete(t, "ok", 0, 7, dt, -1, value);
            expected.push(JSON.stringify({ t, k: "ok", c: "c1", p: 7, r: dt, n: null, v: value ?? null }));
            break;
          case 4:
            r.note(t, 0, `note ${dt} <b>`, dt % 2 === 0 ? undefined : (flat as Record<string, unknown>));
            expected.push(
              JSON.stringify({ t, k: "note", n: "n1", text: `note ${dt} <b>`, data: dt % 2 === 0 ? undefined : flat }),
            );
            break;
          case 5:
            r.clock(t, 1, -dt, dt / 7);
            expected.push(JSON.stringify({ t, k: "clock", n: "n2", offset: -dt, drift: dt / 7 }));
            break;
          default:
            r.timer(t, 0, `retry:${dt % 5}`);
            expected.push(JSON.stringify({ t, k: "timer", n: "n1", name: `retry:${dt % 5}` }));
        }
      }
      const lines = [...r.lines()].slice(1, -1);
      expect(lines).toEqual(expected);
      for (const i of [0, Math.floor(expected.length / 2), expected.length - 1])
        if (i >= 0 && i < expected.length) expect(r.line(i)).toBe(expected[i]);
    },
  );

  // Deliveries and drops of messages sent earlier in the same block are written in a compact form that takes the
  // endpoints and send time from the send row: across block boundaries, after network copies, with wrong endpoints or
  // times, and long after the send, every row must still read back as it was written.
  fcTest.prop([fc.integer(), fc.integer({ min: 1, max: 40_000 })], { numRuns: 3 })(
    "writes message rows exactly across many blocks, whatever the delivery order",
    (seed, window) => {
      const r = new TraceRecorder(header(true));
      let x = seed | 0;
      const rand = (n: number) => {
        x = (Math.imul(x, 1103515245) + 12345) | 0;
        return ((x >>> 8) & 0xffffff) % n;
      };
      const ids = ["n1", "n2", "c1"];
      const sent: { t: number; from: number; to: number }[] = [];
      const expected: string[] = [];
      let t = 0;
      for (let k = 0; k < 320_000; k++) {
        t += rand(4) === 0 ? rand(100_000) : 0;
        const op = rand(10);
        if (op < 4 || sent.length < 2) {
          const from = rand(2);
          const to = rand(3);
          const id = sent.length + 1;
          r.send(t, from, to, id, "m", { type: "m", seq: id }, 64);
          sent.push({ t, from, to });
          expected.push(
            JSON.stringify({
              t,
              k: "send",
              n: ids[from],
              to: ids[to],
              i: id,
              ty: "m",
              m: { type: "m", seq: id },
              b: 64,
            }),
          );
        } else if (op === 4) {
          // a network copy takes the next id (so the next send's id is not last + 1)
          const id = sent.length - rand(Math.min(sent.length, 5));
          const m = sent[id - 1] as { t: number; from: number; to: number };
          const copy = sent.length + 1;
          r.duplicate(t, m.from, m.to, id, copy);
          sent.push({ t: m.t, from: m.from, to: m.to });
          expected.push(JSON.stringify({ t, k: "duplicate", n: ids[m.from], to: ids[m.to], i: id, copy }));
        } else {
          const id = Math.max(1, sent.length - rand(Math.min(sent.length, window)));
          const m = sent[id - 1] as { t: number; from: number; to: number };
          const wrong = rand(20) === 0; // endpoints or time that do not match the send row
          const from = wrong ? (m.from + 1) % 2 : m.from;
          const st = wrong && rand(2) === 0 ? m.t - 1 : m.t;
          if (op < 8) {
            r.deliver(t, from, m.to, id, st);
            expected.push(JSON.stringify({ t, k: "deliver", n: ids[m.to], from: ids[from], i: id, st }));
          } else {
            r.drop(t, from, m.to, id, op === 8 ? "loss" : "partition");
            expected.push(
              JSON.stringify({
                t,
                k: "drop",
                n: ids[from],
                to: ids[m.to],
                i: id,
                why: op === 8 ? "loss" : "partition",
              }),
            );
          }
        }
      }
      expect(r.encodedBytes).toBeGreaterThan(2 << 20);
      const lines = [...r.lines()].slice(1, -1);
      expect(lines.length).toBe(expected.length);
      for (let i = 0; i < lines.length; i++)
        if (lines[i] !== expected[i]) expect(`${i}: ${lines[i]}`).toBe(`${i}: ${expected[i]}`);
      for (const i of [0, 99_999, 100_000, 210_001, expected.length - 1]) expect(r.line(i)).toBe(expected[i]);
    },
  );

  // send, deliver, drop and timer rows wait in a stage until a batch is encoded: reading the trace at any point, or
  // recording a row of another kind, must see them all, in order.
  it("reads staged rows back at any point, in order with rows of other kinds", () => {
    const r = new TraceRecorder(header(true));
    const expected: string[] = [];
    for (let i = 1; i <= 10_000; i++) {
      r.send(i * 10, 0, 1, i, "m", { type: "m", seq: i }, 64);
      expected.push(
        JSON.stringify({ t: i * 10, k: "send", n: "n1", to: "n2", i, ty: "m", m: { type: "m", seq: i }, b: 64 }),
      );
      if (i % 3 === 0) {
        r.deliver(i * 10 + 1, 0, 1, i, i * 10);
        expected.push(JSON.stringify({ t: i * 10 + 1, k: "deliver", n: "n2", from: "n1", i, st: i * 10 }));
      }
      if (i % 5 === 0) {
        // staged rows that intern strings, beside direct rows that intern the same strings
        r.drop(i * 10 + 1, 0, 1, i, "loss");
        expected.push(JSON.stringify({ t: i * 10 + 1, k: "drop", n: "n1", to: "n2", i, why: "loss" }));
        r.timer(i * 10 + 2, 0, i % 2 ? "p1" : "retry");
        expected.push(JSON.stringify({ t: i * 10 + 2, k: "timer", n: "n1", name: i % 2 ? "p1" : "retry" }));
      }
      if (i % 997 === 0) {
        r.crash(i * 10 + 2, 1);
        expected.push(JSON.stringify({ t: i * 10 + 2, k: "crash", n: "n2" }));
        r.partition(i * 10 + 3, "p1", "symmetric", []);
        expected.push(JSON.stringify({ t: i * 10 + 3, k: "partition", id: "p1", kind: "symmetric", blocks: [] }));
        r.heal(i * 10 + 4, "retry");
        expected.push(JSON.stringify({ t: i * 10 + 4, k: "heal", id: "retry" }));
      }
      if (i % 1_234 === 0) {
        expect(r.count).toBe(expected.length);
        expect(r.line(expected.length - 1)).toBe(expected[expected.length - 1]);
      }
    }
    expect([...r.lines()].slice(1, -1)).toEqual(expected);
    // An iterator opened before more rows are recorded sees them, as it did when rows were encoded at once.
    const it = r.lines();
    it.next();
    r.send(1_000_000, 1, 0, 10_001, "m", { type: "m", seq: 1 }, 64);
    expected.push(
      JSON.stringify({
        t: 1_000_000,
        k: "send",
        n: "n2",
        to: "n1",
        i: 10_001,
        ty: "m",
        m: { type: "m", seq: 1 },
        b: 64,
      }),
    );
    const rest = [...it];
    expect(rest.slice(0, -1)).toEqual(expected);
    expect(JSON.parse(rest[rest.length - 1] as string)).toMatchObject({ k: "end", events: expected.length });
  });

  // A row whose start does not fit its block begins a new one: every field of it must go to that new block (a row
  // writer that read the block's buffer before starting the row wrote its first field into the old block).
  it("writes a row that starts a new block wholly into the new block, whatever its kind", () => {
    const r = new TraceRecorder(header(true));
    const expected: string[] = [];
    for (let i = 0; i < 400_000; i++) {
      switch (i % 4) {
        case 0:
          r.timer(i, 0, "retry");
          expected.push(JSON.stringify({ t: i, k: "timer", n: "n1", name: "retry" }));
          break;
        case 1:
          r.crash(i, 1);
          expected.push(JSON.stringify({ t: i, k: "crash", n: "n2" }));
          break;
        case 2:
          r.state(i, 1, { role: "x" });
          expected.push(JSON.stringify({ t: i, k: "state", n: "n2", v: { role: "x" } }));
          break;
        default:
          r.restart(i, 0);
          expected.push(JSON.stringify({ t: i, k: "restart", n: "n1" }));
      }
    }
    expect(r.encodedBytes).toBeGreaterThan(1 << 20);
    const lines = [...r.lines()].slice(1, -1);
    expect(lines.length).toBe(expected.length);
    for (let i = 0; i < lines.length; i++)
      if (lines[i] !== expected[i]) expect(`${i}: ${lines[i]}`).toBe(`${i}: ${expected[i]}`);
  });

  // Decoding a row depends on the rows before it in its block (times and ids are deltas, deliveries refer to sends):
  // a random read, or a second iterator, in the middle of an iteration must not disturb it.
  it("reads the same lines when rows are read at random, or by another iterator, while an iterator is open", () => {
    const r = new TraceRecorder(header(true));
    for (let i = 1; i <= 20_000; i++) {
      r.send(i * 10, 0, 1, i, "m", { type: "m", seq: i }, 64);
      r.deliver(i * 10 + 5, 0, 1, i, i * 10);
    }
    r.finish(300_000, "duration");
    const whole = [...r.lines()];
    const got: string[] = [];
    const other = r.lines();
    const second: string[] = [];
    for (const l of r.lines()) {
      got.push(l);
      const i = (got.length * 7) % 40_000;
      if (got.length % 1000 === 0) expect(r.line(i)).toBe(whole[i + 1]);
      if (got.length % 3 === 0) second.push(other.next().value as string);
    }
    for (const l of other) second.push(l);
    const firstDiff = (lines: string[]) => lines.findIndex((l, i) => l !== whole[i]);
    expect([got.length, firstDiff(got), second.length, firstDiff(second)]).toEqual([
      whole.length,
      -1,
      whole.length,
      -1,
    ]);
  });

  it("spans many blocks and reads any row back", () => {
    const r = new TraceRecorder(header(true));
    const n = 300_000;
    for (let i = 1; i <= n; i++)
      r.send(
        i * 3,
        i % 2,
        (i + 1) % 2,
        i,
        i % 2 ? "ping" : "echo",
        { type: i % 2 ? "ping" : "echo", seq: i * 1024, note: "x".repeat(i % 70) },
        64,
      );
    expect(r.count).toBe(n);
    expect(r.encodedBytes).toBeGreaterThan(1 << 20);
    for (const i of [0, 1, 99_999, 150_000, n - 1]) {
      const e = r.event(i) as { t: number; i: number; m: { seq: number; note: string } };
      expect(e.t).toBe((i + 1) * 3);
      expect(e.i).toBe(i + 1);
      expect(e.m.seq).toBe((i + 1) * 1024);
      expect(e.m.note).toBe("x".repeat((i + 1) % 70));
    }
  });
});
