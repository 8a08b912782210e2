import { test as fcTest, fc } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseTrace, TraceFormatError, TraceTextReader } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { pingScenario } from "../../bench/workloads/ping.ts";

const text = runScenario(pingScenario(300_000, true), { registry, sink: "record" }).trace?.toNdjson() ?? "";

function readInChunks(t: string, cuts: number[]): ReturnType<TraceTextReader["finish"]> {
  const r = new TraceTextReader("chunked");
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    r.push(t.slice(at, c));
    at = c;
  }
  r.push(t.slice(at));
  return r.finish();
}

describe("streamed trace text", () => {
  it("has a trace to split", () => {
    expect(text.split("\n").length).toBeGreaterThan(500);
  });

  fcTest.prop([fc.array(fc.nat({ max: text.length }), { maxLength: 40 })])(
    "reads the same events whatever the chunk boundaries",
    (cuts) => {
      const whole = parseTrace(text, "whole");
      const chunked = readInChunks(text, cuts);
      expect(chunked.events).toEqual(whole.events);
      expect(chunked.footer).toEqual(whole.footer);
    },
  );

  fcTest.prop([fc.nat({ max: text.length - 2 }), fc.array(fc.nat({ max: text.length }), { maxLength: 10 })])(
    "rejects a trace cut anywhere, naming the line, however it was chunked",
    (cut, cuts) => {
      const t = text.slice(0, cut);
      expect(() =>
        readInChunks(
          t,
          cuts.filter((c) => c <= cut),
        ),
      ).toThrow(TraceFormatError);
    },
  );
});

describe("damaged traces", () => {
  const lines = text.split("\n").slice(0, -1);
  const end = lines.length; // the end line's number
  const footer = lines[end - 1] as string;
  const withFooter = (f: string) => `${[...lines.slice(0, -1), f].join("\n")}\n`;
  const message = (t: string) => {
    try {
      parseTrace(t, "T");
    } catch (e) {
      expect(e).toBeInstanceOf(TraceFormatError);
      return (e as Error).message;
    }
    return "accepted";
  };

  it(
    "says there is content after the end line, not that the trace is truncated, when the file ends in garbage" +
      " without a newline",
    () => {
      expect(message(`${text}garbage\n`)).toBe(`T: line ${end + 1}: unexpected content after the end line`);
      expect(message(`${text}garbage`)).toBe(`T: line ${end + 1}: unexpected content after the end line`);
      expect(message(`${text}{"k":"end"`)).toBe(`T: line ${end + 1}: unexpected content after the end line`);
    },
  );

  it("rejects an end line earlier than the last event, or with an unknown stop reason", () => {
    expect(message(withFooter(footer.replace(/"t":\d+/, '"t":-5')))).toMatch(
      new RegExp(`^T: line ${end}: the end line's time -5 is before the last event's \\(t=\\d+\\)$`),
    );
    expect(message(withFooter(footer.replace(/"t":\d+/, '"t":"soon"')))).toBe(
      `T: line ${end}: the end line's time "t" should be a number`,
    );
    expect(message(withFooter(footer.replace(/"stop":"\w+"/, '"stop":"bogus"')))).toBe(
      `T: line ${end}: the end line's stop reason "bogus" is not one of duration, idle, violation, limit`,
    );
  });

  it("names a second header line as such", () => {
    expect(message(`${[lines[0], ...lines].join("\n")}\n`)).toBe(
      "T: line 2: a second header line (a trace has one, on line 1)",
    );
  });
});
