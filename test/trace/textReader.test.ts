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

  fcTest.prop([fc.array(fc.nat({ max: text.length }), { maxLength: 40 })])("reads the same events whatever the chunk boundaries", (cuts) => {
    const whole = parseTrace(text, "whole");
    const chunked = readInChunks(text, cuts);
    expect(chunked.events).toEqual(whole.events);
    expect(chunked.footer).toEqual(whole.footer);
  });

  fcTest.prop([fc.nat({ max: text.length - 2 }), fc.array(fc.nat({ max: text.length }), { maxLength: 10 })])(
    "rejects a trace cut anywhere, naming the line, however it was chunked",
    (cut, cuts) => {
      const t = text.slice(0, cut);
      expect(() => readInChunks(t, cuts.filter((c) => c <= cut))).toThrow(TraceFormatError);
    },
  );
});
