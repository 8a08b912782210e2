/**
 * ShiViz logs, read the way ShiViz reads an uploaded log (first line: the parser regex; second: the delimiter between
 * executions, empty for one; then the log, matched with the regex over and over, multi-line) by a reader written here:
 * - the declared regex matches every log line, whole (an event text with a line break would split an event);
 * - each clock is a JSON object of positive integers holding the host's own entry;
 * - per host, the own entry goes 1, 2, 3... and each clock dominates the host's previous one;
 * - every entry for another host names an event that host has logged;
 * - a receive's clock dominates its send's clock (a duplicate's send is the original's), and only delivered
 *   messages have receives: nothing dropped (loss, partition, crash) shows up as received.
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { toShiViz } from "../../../sim/trace/export/index.ts";
import type { TraceEvent, TraceHeader } from "../../../sim/trace/events.ts";
import { CASES, count, traceOf } from "./traces.ts";

interface Line {
  host: string;
  clock: Record<string, number>;
  event: string;
}

/** Parse a ShiViz log as ShiViz would; returns the events and every problem found. */
function readShiViz(text: string): { lines: Line[]; problems: string[] } {
  const problems: string[] = [];
  const [regexLine, delimiter, ...rest] = text.split("\n");
  if (regexLine === undefined || delimiter !== "")
    return { lines: [], problems: ["expected the regex line, then an empty delimiter line"] };
  let re: RegExp;
  try {
    re = new RegExp(regexLine, "gm");
  } catch (e) {
    return { lines: [], problems: [`the first line is not a regular expression: ${(e as Error).message}`] };
  }
  const log = rest.join("\n");
  const logLines = rest.filter((l) => l !== "");
  const lines: Line[] = [];
  let m: RegExpExecArray | null;
  let k = 0;
  for (m = re.exec(log); m !== null; m = re.exec(log)) {
    if (m[0] === "") break;
    const g = m.groups ?? {};
    if (m[0] !== logLines[k])
      problems.push(`match ${k + 1} is not the whole line: ${JSON.stringify(m[0])} vs ${JSON.stringify(logLines[k])}`);
    k++;
    let clock: unknown;
    try {
      clock = JSON.parse(g.clock ?? "");
    } catch {
      problems.push(`clock is not JSON: ${g.clock}`);
      continue;
    }
    const host = g.host ?? "";
    if (
      clock === null ||
      typeof clock !== "object" ||
      Array.isArray(clock) ||
      !Object.values(clock).every((v) => Number.isInteger(v) && (v as number) > 0)
    )
      problems.push(`clock is not an object of positive integers: ${g.clock}`);
    else if (!(((clock as Record<string, number>)[host] as number) > 0))
      problems.push(`clock of ${host} has no entry for ${host}: ${g.clock}`);
    lines.push({ host, clock: clock as Record<string, number>, event: g.event ?? "" });
  }
  if (k !== logLines.length) problems.push(`the regex matched ${k} events but the log has ${logLines.length} lines`);
  return { lines, problems: [...problems, ...happensBefore(lines)] };
}

function dominates(a: Record<string, number>, b: Record<string, number>): boolean {
  return Object.entries(b).every(([h, v]) => (a[h] ?? 0) >= v);
}

/** Per-host order and references between hosts. */
function happensBefore(lines: Line[]): string[] {
  const out: string[] = [];
  const last = new Map<string, Record<string, number>>();
  for (const l of lines) {
    const prev = last.get(l.host) ?? {};
    if (l.clock[l.host] !== (prev[l.host] ?? 0) + 1)
      out.push(`${l.host}'s own clock goes ${prev[l.host] ?? 0} -> ${l.clock[l.host]}`);
    if (!dominates(l.clock, prev))
      out.push(`${l.host}'s clock went back: ${JSON.stringify(prev)} -> ${JSON.stringify(l.clock)}`);
    last.set(l.host, l.clock);
  }
  for (const l of lines) {
    for (const [h, v] of Object.entries(l.clock))
      if (v > (last.get(h)?.[h] ?? 0)) out.push(`${l.host} knows event ${v} of ${h}, which ${h} never logged`);
  }
  return out.slice(0, 20);
}

/** Receives against sends and against the trace's deliveries. */
function checkMessages(lines: Line[], events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  const original = new Map<number, number>();
  for (const e of events) if (e.k === "duplicate") original.set(e.copy, original.get(e.i) ?? e.i);
  const sends = new Map<number, Line>();
  const received = new Set<number>();
  for (const l of lines) {
    const send = /^send \S+ #(\d+) to /.exec(l.event);
    if (send) sends.set(Number(send[1]), l);
    const recv = /^recv #(\d+) from /.exec(l.event);
    if (!recv) continue;
    const id = Number(recv[1]);
    received.add(id);
    const s = sends.get(original.get(id) ?? id);
    if (s === undefined) out.push(`receive of #${id} before any send`);
    else if (!dominates(l.clock, s.clock) || l.clock[l.host] === s.clock[l.host])
      out.push(`receive of #${id} ${JSON.stringify(l.clock)} does not follow its send ${JSON.stringify(s.clock)}`);
  }
  const delivered = new Set<number>();
  for (const e of events) if (e.k === "deliver") delivered.add(e.i);
  for (const e of events)
    if (e.k === "drop" && received.has(e.i)) out.push(`#${e.i} was dropped (${e.why}) but shows as received`);
  for (const id of delivered) if (!received.has(id)) out.push(`#${id} was delivered but shows no receive`);
  return out.slice(0, 20);
}

const HEADER = { nodes: [], clients: [] } as unknown as TraceHeader;

/** Random message traffic among three hosts: sends, deliveries, drops, duplicates, notes with any text. */
const traffic = fc.array(
  fc.oneof(
    fc.record({ k: fc.constant("send" as const), from: fc.nat(2), to: fc.nat(2) }),
    fc.record({ k: fc.constantFrom("deliver" as const, "drop" as const, "duplicate" as const), pick: fc.nat() }),
    fc.record({
      k: fc.constant("note" as const),
      host: fc.nat(2),
      text: fc.string({ unit: fc.constantFrom("a", " ", "{", "}", "\n", "\r", "\u2028", "\u2029", '"', "#", "é") }),
    }),
  ),
  { maxLength: 60 },
);

type Action = { k: string; from?: number; to?: number; pick?: number; host?: number; text?: string };

function toEvents(actions: Action[]): TraceEvent[] {
  const hosts = ["n1", "n2", "c1"];
  const inFlight: { i: number; from: string; to: string; st: number }[] = [];
  const out: TraceEvent[] = [];
  let id = 1;
  let t = 0;
  for (const a of actions) {
    t += 10;
    if (a.k === "send") {
      const m = { i: id++, from: hosts[a.from as number] as string, to: hosts[a.to as number] as string, st: t };
      inFlight.push(m);
      out.push({ t, k: "send", n: m.from, to: m.to, i: m.i, ty: "m", m: {}, b: 1 });
    } else if (a.k === "note") out.push({ t, k: "note", n: hosts[a.host as number] as string, text: a.text as string });
    else if (inFlight.length > 0) {
      const at = (a.pick as number) % inFlight.length;
      const m = inFlight[at] as (typeof inFlight)[number];
      if (a.k === "duplicate") {
        const copy = { ...m, i: id++ };
        inFlight.push(copy);
        out.push({ t, k: "duplicate", n: m.from, to: m.to, i: m.i, copy: copy.i });
        continue;
      }
      inFlight.splice(at, 1);
      if (a.k === "deliver") out.push({ t, k: "deliver", n: m.to, from: m.from, i: m.i, st: m.st });
      else out.push({ t, k: "drop", n: m.from, to: m.to, i: m.i, why: "loss" });
    }
  }
  return out;
}

describe("ShiViz export", () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    "parses with its own regex and keeps happens-before: %s",
    (_name, c) => {
      const trace = traceOf(c);
      const { lines, problems } = readShiViz(toShiViz(trace.header, trace.events, trace.footer));
      expect(problems, `faultline run scenarios/${c.file || "(echo)"} --seed ${c.seed}`).toEqual([]);
      expect(checkMessages(lines, trace.events)).toEqual([]);
      expect(lines.filter((l) => l.event.startsWith("recv ")).length).toBe(
        count(trace.events, (e) => e.k === "deliver"),
      );
    },
  );

  fcTest.prop([traffic])("holds for any message traffic and any note text", (actions) => {
    const events = toEvents(actions);
    const { lines, problems } = readShiViz(toShiViz(HEADER, events));
    expect(problems).toEqual([]);
    expect(checkMessages(lines, events)).toEqual([]);
  });

  describe("the reader itself", () => {
    const events: TraceEvent[] = [
      { t: 1, k: "send", n: "n1", to: "n2", i: 1, ty: "m", m: {}, b: 1 },
      { t: 2, k: "deliver", n: "n2", from: "n1", i: 1, st: 1 },
      { t: 3, k: "send", n: "n2", to: "n1", i: 2, ty: "m", m: {}, b: 1 },
      { t: 4, k: "drop", n: "n2", to: "n1", i: 2, why: "partition" },
    ];
    const good = toShiViz(HEADER, events);
    it("accepts a good log", () => {
      expect(readShiViz(good).problems).toEqual([]);
      expect(checkMessages(readShiViz(good).lines, events)).toEqual([]);
    });
    it.each([
      [
        "a line break inside an event (the old exporter, for \\r)",
        good.replace("recv #1", "recv\r#1"),
        /not the whole line|matched/,
      ],
      [
        "a clock without the host's own entry",
        good.replace('n2 {"n1":1,"n2":1}', 'n2 {"n1":1}'),
        /has no entry for n2/,
      ],
      [
        "a receive that forgets its send",
        good.replace('n2 {"n1":1,"n2":1}', 'n2 {"n2":1}'),
        /does not follow its send/,
      ],
      ["a skipped own clock value", good.replace('n2 {"n1":1,"n2":2}', 'n2 {"n1":1,"n2":3}'), /own clock goes 1 -> 3/],
      [
        "a reference to an event never logged",
        good.replace('n2 {"n1":1,"n2":1}', 'n2 {"n1":5,"n2":1}'),
        /never logged/,
      ],
      ["a regex that does not match the lines", good.replace("(?<host>\\S+) ", "(?<host>\\S+)\\t"), /matched 0 events/],
    ])("catches %s", (_what, text, pattern) => {
      const r = readShiViz(text);
      expect([...r.problems, ...checkMessages(r.lines, events)].join("\n")).toMatch(pattern);
    });
    it("catches a dropped message shown as received", () => {
      const lied = `${good}n1 {"n1":2,"n2":3} recv #2 from n2\n`;
      expect(checkMessages(readShiViz(lied).lines, events).join("\n")).toMatch(
        /#2 was dropped \(partition\) but shows as received/,
      );
    });
  });
});
