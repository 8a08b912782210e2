/**
 * Chrome Trace Event JSON, checked against the Trace Event Format (the catapult document) and the way Perfetto's JSON
 * importer binds flows, by a checker written here from the spec (not from the exporter):
 * - valid JSON: an object with a traceEvents array (NaN, undefined or a cut-off stream would not parse);
 * - every event has a known ph, integer pid and tid, a finite ts >= 0 in microseconds; X has a positive dur;
 *   instants have scope g, p or t; process and thread names come as M events for every pid and thread used;
 * - complete slices on one thread nest (no partial overlap);
 * - flow events: s and f are matched by (cat, name, id), one s per flow and at most one f after it; each binds to a
 *   slice on its own thread that strictly encloses it (s always binds to the enclosing slice, f does with bp "e";
 *   without one Perfetto drops the arrow). Strictly: a flow at a slice's first instant would depend on tie order.
 * - against the trace: every delivery is one flow from the sender's thread to the receiver's, ending in the
 *   microsecond it arrived; a message dropped at send time starts no flow; client ops span invoke -> completion.
 */
import { describe, expect, it } from "vitest";
import { chromeExporter, exportToParts, toChromeTrace } from "../../../sim/trace/export/index.ts";
import type { TraceEvent } from "../../../sim/trace/events.ts";
import type { ParsedTrace } from "../../../sim/trace/reader.ts";
import { CASES, count, traceOf } from "./traces.ts";

type Ev = Record<string, unknown> & { ph: string; pid: number; tid: number; ts: number; name: string };

const PHASES = new Set(["B", "E", "X", "i", "I", "C", "b", "n", "e", "s", "t", "f", "P", "O", "N", "D", "M", "R", "c"]);

/** Problems with a Chrome trace text (empty: none), judged by the spec alone. */
function checkChromeFormat(text: string): { problems: string[]; events: Ev[]; threads: Map<string, string> } {
  const problems: string[] = [];
  const bad = (what: string, e: unknown) => problems.length < 20 && problems.push(`${what}: ${JSON.stringify(e)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { problems: [`not valid JSON: ${(e as Error).message}`], events: [], threads: new Map() };
  }
  const events = (doc as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(events)) return { problems: ["no traceEvents array"], events: [], threads: new Map() };
  const unit = (doc as { displayTimeUnit?: unknown }).displayTimeUnit;
  if (unit !== undefined && unit !== "ms" && unit !== "ns") bad("displayTimeUnit must be ms or ns", unit);
  const procNames = new Set<number>();
  const threads = new Map<string, string>();
  for (const e of events as Ev[]) {
    if (typeof e !== "object" || e === null || !PHASES.has(e.ph)) bad("unknown phase", e);
    else if (typeof e.name !== "string") bad("name must be a string", e);
    else if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) bad("pid and tid must be integers", e);
    else if (e.ph === "M") {
      const name = (e.args as { name?: unknown } | undefined)?.name;
      if (e.name === "process_name" && typeof name === "string") procNames.add(e.pid);
      if (e.name === "thread_name" && typeof name === "string") threads.set(`${e.pid}/${e.tid}`, name);
    } else if (typeof e.ts !== "number" || !Number.isFinite(e.ts) || e.ts < 0)
      bad("ts must be a finite number of microseconds", e);
    else if (e.ph === "X" && !(typeof e.dur === "number" && Number.isFinite(e.dur) && e.dur > 0))
      bad("X needs a positive dur", e);
    else if (e.ph === "i" && e.s !== undefined && e.s !== "g" && e.s !== "p" && e.s !== "t")
      bad("instant scope must be g, p or t", e);
    else if (
      (e.ph === "s" || e.ph === "f") &&
      (typeof e.cat !== "string" || !(typeof e.id === "number" || typeof e.id === "string"))
    )
      bad("flow needs cat and id", e);
    else if (e.ph === "f" && e.bp !== "e") bad('flow end must bind to its enclosing slice (bp "e")', e);
  }
  const real = (events as Ev[]).filter((e) => e.ph !== "M");
  for (const e of real) {
    if (!procNames.has(e.pid) && e.s !== "g") bad("pid without a process_name", e);
    if ((e.ph !== "i" || e.s === "t" || e.s === undefined) && !threads.has(`${e.pid}/${e.tid}`))
      bad("thread without a thread_name", e);
  }
  problems.push(...nesting(real), ...flows(real));
  return { problems, events: real, threads };
}

/** Complete slices per thread must nest; returns problems. */
function nesting(events: Ev[]): string[] {
  const byThread = new Map<string, Ev[]>();
  for (const e of events)
    if (e.ph === "X") byThread.set(`${e.pid}/${e.tid}`, [...(byThread.get(`${e.pid}/${e.tid}`) ?? []), e]);
  const out: string[] = [];
  for (const [thread, xs] of byThread) {
    xs.sort((a, b) => a.ts - b.ts || (b.dur as number) - (a.dur as number));
    const stack: number[] = [];
    for (const x of xs) {
      while (stack.length > 0 && (stack[stack.length - 1] as number) <= x.ts) stack.pop();
      const end = x.ts + (x.dur as number);
      if (stack.length > 0 && end > (stack[stack.length - 1] as number) && out.length < 20)
        out.push(`slices overlap without nesting on ${thread} at ${x.ts}: ${x.name}`);
      stack.push(end);
    }
  }
  return out;
}

/** Flow pairing and binding; returns problems. */
function flows(events: Ev[]): string[] {
  const out: string[] = [];
  const slices = new Map<string, Ev[]>();
  for (const e of events)
    if (e.ph === "X") slices.set(`${e.pid}/${e.tid}`, [...(slices.get(`${e.pid}/${e.tid}`) ?? []), e]);
  for (const xs of slices.values()) xs.sort((a, b) => a.ts - b.ts);
  const starts = new Map<string, Ev>();
  const ends = new Map<string, Ev>();
  for (const e of events) {
    if (e.ph !== "s" && e.ph !== "f") continue;
    const key = `${String(e.cat)}|${e.name}|${String(e.id)}`;
    const seen = e.ph === "s" ? starts : ends;
    if (seen.has(key) && out.length < 20) out.push(`two flow ${e.ph} events for ${key}`);
    seen.set(key, e);
    if (!enclosed(slices.get(`${e.pid}/${e.tid}`) ?? [], e.ts) && out.length < 20)
      out.push(`flow ${e.ph} ${key} at ${e.ts} has no slice strictly enclosing it on ${e.pid}/${e.tid}`);
  }
  for (const [key, f] of ends) {
    const s = starts.get(key);
    if (s === undefined) out.length < 20 && out.push(`flow end without a start: ${key}`);
    else if (f.ts < s.ts) out.length < 20 && out.push(`flow ends before it starts: ${key}`);
  }
  return out;
}

function enclosed(xs: Ev[], ts: number): boolean {
  // Slices are sorted by start; any slice starting before ts may enclose it (they are short, so scan back a little).
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as Ev).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const x = xs[i] as Ev;
    if (x.ts < ts && ts < x.ts + (x.dur as number)) return true;
    if (ts - x.ts > 1e9) break;
  }
  return false;
}

/** The trace's messages and ops, as the Chrome events must show them. */
function checkAgainstTrace(trace: ParsedTrace, events: Ev[], threads: Map<string, string>): string[] {
  const out: string[] = [];
  const threadOf = (e: Ev) => threads.get(`${e.pid}/${e.tid}`);
  const s = new Map<number, Ev>();
  const f = new Map<number, Ev>();
  for (const e of events) if (e.cat === "message") (e.ph === "s" ? s : f).set(e.id as number, e);
  const evs = trace.events;
  for (let i = 0; i < evs.length && out.length < 20; i++) {
    const e = evs[i] as TraceEvent;
    if (e.k === "deliver") {
      const a = s.get(e.i);
      const b = f.get(e.i);
      if (a === undefined || b === undefined) out.push(`delivery of #${e.i} has no flow`);
      else if (threadOf(a) !== e.from || threadOf(b) !== e.n)
        out.push(`flow #${e.i} goes ${threadOf(a)} -> ${threadOf(b)}, not ${e.from} -> ${e.n}`);
      else if (Math.floor(b.ts) !== e.t || Math.floor(a.ts) !== e.st)
        out.push(`flow #${e.i} at ${a.ts} -> ${b.ts}, sent ${e.st} and delivered ${e.t} (us)`);
    } else if (e.k === "drop") {
      const prev = evs[i - 1];
      const atSend = prev?.k === "send" && prev.i === e.i && prev.t === e.t;
      if (atSend && s.has(e.i)) out.push(`#${e.i} was dropped at send time but starts a flow`);
      if (!atSend && (s.has(e.i) !== f.has(e.i) || (f.has(e.i) && threadOf(f.get(e.i) as Ev) !== e.to)))
        out.push(`#${e.i} dropped on arrival should end its flow at ${e.to}`);
    }
  }
  const invokes = new Map<number, number>();
  const ops: { start: number; end: number }[] = [];
  for (const e of evs) {
    if (e.k === "invoke") invokes.set(e.r, e.t);
    if ((e.k === "ok" || e.k === "fail" || e.k === "info") && invokes.has(e.r))
      ops.push({ start: invokes.get(e.r) as number, end: e.t });
  }
  const slices = events.filter((e) => e.cat === "client" && e.ph === "X" && !(e.args as { pending?: boolean }).pending);
  if (slices.length !== ops.length) out.push(`${ops.length} completed ops but ${slices.length} op slices`);
  const key = (a: number, b: number) => `${a}-${b}`;
  const want = new Set(ops.map((o) => key(o.start, Math.max(o.start + 1, o.end))));
  for (const x of slices)
    if (!want.has(key(x.ts, x.ts + (x.dur as number))) && out.length < 20)
      out.push(`op slice ${x.name} at ${x.ts}+${x.dur} matches no op`);
  return out;
}

describe("Chrome Trace Event export", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("is a valid trace whose flows Perfetto can draw: %s", (_name, c) => {
    const trace = traceOf(c);
    const text = toChromeTrace(trace.header, trace.events, trace.footer);
    const { problems, events, threads } = checkChromeFormat(text);
    expect(problems, `seed ${c.seed}: faultline run scenarios/${c.file || "(echo)"} --seed ${c.seed}`).toEqual([]);
    expect(checkAgainstTrace(trace, events, threads)).toEqual([]);
    const delivered = count(trace.events, (e) => e.k === "deliver");
    expect(events.filter((e) => e.ph === "f").length).toBeGreaterThanOrEqual(delivered);
    expect(delivered).toBeGreaterThan(100);
  });

  it("writes the same text streamed in parts as in one piece", () => {
    const trace = traceOf(CASES[0] as (typeof CASES)[number]);
    const whole = toChromeTrace(trace.header, trace.events, trace.footer);
    const parts = exportToParts(chromeExporter, trace.header, trace.events, trace.footer, 4096);
    expect(parts.length).toBeGreaterThan(10);
    expect(parts.join("")).toBe(whole);
  });

  it("draws a pending op to the end of the run and puts hostile note text in names as JSON strings", () => {
    const trace = traceOf(CASES[0] as (typeof CASES)[number]);
    let last = trace.events.length - 1;
    while (last >= 0 && !["ok", "fail", "info"].includes((trace.events[last] as TraceEvent).k)) last--;
    const cut = trace.events.filter((_, i) => i !== last);
    const note: TraceEvent = {
      t: trace.footer.t,
      k: "note",
      n: "n1",
      text: 'a "quoted"\n</script>\u2028 note',
      data: { x: Number.NaN },
    };
    const text = toChromeTrace(trace.header, [...cut, note], trace.footer);
    const { problems, events } = checkChromeFormat(text);
    expect(problems).toEqual([]);
    const pending = events.find((e) => e.ph === "X" && (e.args as { pending?: boolean }).pending === true);
    expect(pending !== undefined && pending.ts + (pending.dur as number)).toBe(trace.footer.t);
    expect(events.some((e) => e.name === note.text)).toBe(true);
  });

  describe("the checker itself", () => {
    const trace = traceOf(CASES[0] as (typeof CASES)[number]);
    const good = toChromeTrace(trace.header, trace.events, trace.footer);
    const edit = (fn: (e: Ev) => Ev | null) => {
      const doc = JSON.parse(good) as { traceEvents: Ev[] };
      doc.traceEvents = doc.traceEvents.map(fn).filter((e): e is Ev => e !== null);
      return JSON.stringify(doc);
    };
    it.each([
      [
        "flow ends named differently from their starts (the old exporter)",
        (e: Ev) => (e.ph === "f" ? { ...e, name: "deliver" } : e),
        /flow end without a start/,
      ],
      [
        "flows with no enclosing slice (the old exporter)",
        (e: Ev) => (e.ph === "X" && e.cat === "step" ? null : e),
        /no slice strictly enclosing/,
      ],
      [
        "a flow at the very start of its slice",
        (e: Ev) => (e.ph === "s" ? { ...e, ts: Math.floor(e.ts) } : e),
        /no slice strictly enclosing/,
      ],
      [
        "a string pid",
        (e: Ev) => (e.ph === "i" ? { ...e, pid: String(e.pid) as unknown as number } : e),
        /pid and tid must be integers/,
      ],
      [
        "a thread without a name",
        (e: Ev) => (e.ph === "M" && e.name === "thread_name" && e.tid === 1 ? null : e),
        /thread without a thread_name/,
      ],
      [
        "overlapping slices on one thread",
        (e: Ev) => (e.ph === "X" && e.cat === "step" ? { ...e, dur: 5000 } : e),
        /overlap without nesting/,
      ],
    ])("catches %s", (_what, fn, pattern) => {
      expect(checkChromeFormat(edit(fn)).problems.join("\n")).toMatch(pattern);
    });
    it("catches a stream cut off mid-way", () => {
      expect(checkChromeFormat(good.slice(0, good.length / 2)).problems.join("\n")).toMatch(/not valid JSON/);
    });
    it("catches a flow that goes to the wrong node", () => {
      const { events, threads } = checkChromeFormat(good);
      const moved = events.map((e) => (e.ph === "f" ? { ...e, tid: e.tid === 1 ? 2 : 1 } : e));
      expect(checkAgainstTrace(trace, moved, threads).join("\n")).toMatch(/flow #\d+ goes/);
    });
  });
});
