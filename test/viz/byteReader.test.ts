import { test as fcTest, fc } from "@fast-check/vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pingScenario } from "../../bench/workloads/ping.ts";
import { registry } from "../../protocols/index.ts";
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { parseTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { ByteTraceReader, textOf } from "../../viz/src/byteReader.ts";
import { buildModel, type Model } from "../../viz/src/model.ts";

const root = resolve(import.meta.dirname, "../..");
const utf8 = new TextEncoder();

function traceOf(s: ResolvedScenario, seed: number): string {
  return runScenario(s, { registry, seed, sink: "record" }).trace?.toNdjson() ?? "";
}
function scenarioTrace(file: string, seed: number, durationMicros: number): string {
  const s = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  return traceOf({ ...s, durationMicros }, seed);
}

/** The reference: decode the bytes as text, JSON.parse every line, build the model from the event objects. */
function viaJsonParse(bytes: Uint8Array): Model {
  const p = parseTrace(new TextDecoder().decode(bytes), "t");
  return buildModel(p.header, p.events, false, p.footer);
}

/** The fast path, fed the bytes cut at the given offsets. */
function viaBytes(
  bytes: Uint8Array,
  cuts: number[] = [bytes.length >> 1],
): { model: Model; fast: number; reader: ByteTraceReader } {
  const r = new ByteTraceReader("t");
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    r.push(bytes.subarray(at, Math.max(at, c)));
    at = Math.max(at, c);
  }
  r.push(bytes.subarray(at));
  return { model: r.finish(), fast: r.fastLines, reader: r };
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

// Traces from several protocols: raft (sends, deliveries, drops, timers, state, client ops, faults), 2pc (payloads
// read by the transaction overlay), primary-backup, and ping with network duplication.
const ping = pingScenario(400_000, true);
const pingDup = {
  ...ping,
  network: {
    ...ping.network,
    intraDc: { ...ping.network.intraDc, duplicate: 0.05 },
    interDc: { ...ping.network.interDc, duplicate: 0.05 },
  },
};
const traces: Record<string, string> = {
  "demo (raft)": scenarioTrace("demo.yaml", 1, 4_000_000),
  "raft-disk-faults": scenarioTrace("raft-disk-faults.yaml", 3, 4_000_000),
  "raft-unreliable": scenarioTrace("raft-unreliable.yaml", 5, 4_000_000),
  "2pc-lossy": scenarioTrace("2pc-lossy.yaml", 2, 3_000_000),
  "register-primary-backup": scenarioTrace("register-primary-backup.yaml", 4, 3_000_000),
  // Its accepted messages go to JSON.parse (the agreement evidence hint reads their payloads), the rest fast.
  "paxos-dueling": scenarioTrace("paxos-dueling.yaml", 2, 3_000_000),
  "ping with duplicates": traceOf(pingDup, 9),
};

/**
 * The same trace with awkward strings: a node renamed to non-ASCII text (raw UTF-8 in the fast lines), the same id
 * written with a \u escape in some lines, message payloads with escapes, quotes and astral characters, a message type
 * with an accent, notes with markup, newline escapes and emoji, numbers written as fractions and exponents,
 * whitespace, CRLF line ends and a byte order mark. Every change keeps the trace valid and its meaning.
 */
function awkward(text: string): string {
  const lines = text.replaceAll('"n2"', '"nø2 ☃"').replaceAll('"ping"', '"pïng"').split("\n");
  const out: string[] = [];
  let added = 0;
  for (let j = 0; j < lines.length; j++) {
    let l = lines[j] as string;
    if (j === 0 || l === "") {
      out.push(l);
      continue;
    }
    if (l.startsWith('{"k":"end"')) {
      const footer = JSON.parse(l) as { events: number };
      out.push(JSON.stringify({ ...footer, events: footer.events + added }));
      continue;
    }
    const t = (JSON.parse(l) as { t: number }).t;
    switch (j % 11) {
      case 1:
        l = l.replaceAll('"nø2 ☃"', '"n\\u00f82 \\u2603"');
        break;
      case 2:
        l = l.replace(
          '"m":{',
          '"m":{"s":"a\\"b\\\\c\\u00e9 ☃ \\ud83d\\ude00 <b>\\/","deep":[[1,-2.5e-3,{"x":null}],true,false,{}],',
        );
        break;
      case 3:
        l = l.replace(/"b":(\d+)/, '"b":$1.0e0');
        break;
      case 4:
        l = l.replace('{"t":', '{ "t" : ');
        break;
      case 5:
        l += "\r";
        break;
      case 6:
        out.push(
          JSON.stringify({
            t,
            k: "note",
            n: "n1",
            text: `<script>alert("x")</script> naïve ☃ \u{1F600}\n"quoted"\\`,
          }),
        );
        added++;
        break;
      case 7:
        l = l.replace(/"i":(\d+)/, '"i":$1e0');
        break;
    }
    out.push(l);
  }
  return `\uFEFF${out.join("\n")}`;
}

describe("the byte reader's fast path", () => {
  for (const [name, text] of Object.entries(traces)) {
    it(`builds the same model as JSON.parse for ${name}, mostly from fast lines`, () => {
      const bytes = utf8.encode(text);
      const ref = viaJsonParse(bytes);
      const { model, fast } = viaBytes(bytes, [1, 4096, 65_536, bytes.length - 7]);
      expect(model).toStrictEqual(ref);
      expect(ref.evT.length).toBeGreaterThan(1000);
      // 2pc sends go to JSON.parse (the transaction overlay reads their payloads), so fewer lines take the fast path.
      expect(fast / ref.evT.length).toBeGreaterThan(name === "2pc-lossy" ? 0.2 : 0.5);
    });
  }

  it("has traces with every fast-path kind", () => {
    const all = Object.values(traces).join("\n");
    for (const k of ["send", "deliver", "drop", "duplicate", "timer"]) expect(all).toContain(`"k":"${k}"`);
  });

  for (const name of ["demo (raft)", "ping with duplicates"]) {
    it(`builds the same model as JSON.parse when ${name} has escapes, unicode, odd numbers and whitespace`, () => {
      const text = awkward(traces[name] as string);
      const bytes = utf8.encode(text);
      const ref = viaJsonParse(bytes);
      const { model, fast } = viaBytes(bytes);
      expect(model).toStrictEqual(ref);
      expect(model.lanes.map((l) => l.id)).toContain("nø2 ☃");
      if (name.startsWith("ping")) expect(model.types).toContain("pïng");
      expect(model.markers.some((m) => m.text.includes("<script>") && m.text.includes("\u{1F600}"))).toBe(true);
      expect(fast).toBeGreaterThan(0);
      expect(fast).toBeLessThan(model.evT.length);
    });
  }

  const small = utf8.encode(
    awkward(traces["ping with duplicates"] as string)
      .slice(0, 60_000)
      .replace(/\n[^\n]*$/, "\n"),
  );
  const pingBytes = utf8.encode(traces["ping with duplicates"] as string);

  fcTest.prop([fc.array(fc.nat({ max: pingBytes.length }), { maxLength: 30 })], { numRuns: 40 })(
    "builds the same model wherever the chunks are cut",
    (cuts) => {
      expect(viaBytes(pingBytes, cuts).model).toStrictEqual(viaJsonParse(pingBytes));
    },
  );

  fcTest.prop([fc.nat({ max: small.length - 1 }), fc.array(fc.nat({ max: small.length }), { maxLength: 8 })], {
    numRuns: 200,
  })("reports a trace cut anywhere with the same error as JSON.parse", (cut, cuts) => {
    const bytes = small.subarray(0, cut);
    const want = errorOf(() => viaJsonParse(bytes));
    expect(want).not.toBe("no error");
    expect(
      errorOf(() =>
        viaBytes(
          bytes,
          cuts.filter((c) => c <= cut),
        ),
      ),
    ).toBe(want);
  });

  it("reports malformed fast-shaped lines with the same errors as JSON.parse", () => {
    const lines = (traces["ping with duplicates"] as string).split("\n");
    const at = lines.findIndex((l, j) => j > 10 && l.includes('"k":"send"'));
    const send = lines[at] as string;
    const variants = [
      send.replace('"m":{', '"m":{"a":,'), // a member without a value
      send.replace('"m":{', '"m":{"a":"\\x",'), // invalid escape
      send.replace('"m":{', '"m":{"a":"\\u12g4",'), // invalid unicode escape
      send.replace('"m":{', '"m":{"a":"tab\there",'), // control character in a string
      send.replace('"m":{', '"m":{"a":01,'), // leading zero
      send.replace('"m":{', '"m":{"a":1.,'), // fraction without digits
      send.replace('"m":{', '"m":{"a":[1,],'), // trailing comma in an array
      send.replace('"m":{', '"m":{"a":{"x":1,},'), // trailing comma in an object
      send.replace('"m":{', '"m":{"a":tru,'), // misspelt literal
      send.replace('"m":{', '"m":{"a":[[{"x":[1,2}]]],'), // mismatched brackets
      send.replace(/"b":\d+/, '"b":"64"'), // wrong field type
      send.replace(/"to":"n\d"/, '"to":5'),
      send.replace(/\{"t":\d+/, '{"t":-1'), // out of time order
      send.replace("}", ""), // cut off
      `${send}x`, // trailing garbage
      send.replace('"k":"send"', '"k":"sent"'), // unknown kind
    ];
    for (const v of variants) {
      const bytes = utf8.encode([...lines.slice(0, at), v, ...lines.slice(at + 1)].join("\n"));
      const want = errorOf(() => viaJsonParse(bytes));
      expect(want, v).not.toBe("no error");
      expect(
        errorOf(() => viaBytes(bytes)),
        v,
      ).toBe(want);
    }
  });

  it("decodes invalid UTF-8 in node ids and payloads as TextDecoder does", () => {
    const text = traces["ping with duplicates"] as string;
    const bytes = utf8.encode(text.replaceAll('"n3"', '"n3\u00ff"').replaceAll('"type":"ping"', '"type":"p\u00fe"'));
    // Replace the two-byte encodings of U+00FF and U+00FE with lone bytes: invalid UTF-8, decoded as U+FFFD.
    const raw: number[] = [];
    for (let j = 0; j < bytes.length; j++) {
      if (bytes[j] === 0xc3 && (bytes[j + 1] === 0xbf || bytes[j + 1] === 0xbe)) {
        raw.push(bytes[j + 1] === 0xbf ? 0xff : 0xfe);
        j++;
      } else raw.push(bytes[j] as number);
    }
    const bad = new Uint8Array(raw);
    const ref = viaJsonParse(bad);
    expect(viaBytes(bad).model).toStrictEqual(ref);
  });

  it("keeps the bytes it read, so exports give back the same text", () => {
    const text = `\uFEFF${traces["demo (raft)"] as string}`;
    const bytes = utf8.encode(text);
    const { reader } = viaBytes(bytes, [3, 1000, 50_001]);
    expect(textOf(reader.chunks)).toBe(new TextDecoder().decode(bytes));
  });
});
