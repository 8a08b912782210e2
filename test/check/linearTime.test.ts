/**
 * Issue 18, defect 2: EDN parsing and the trace reader's line splitting are linear. Each is timed at 10x and 100x a
 * base size (best of three, after a warm-up) and the ratio compared with a generous bound: linear work gives about
 * 10, quadratic work about 100. A ratio, not a wall-clock limit, so a slow or busy machine does not fail it.
 */
import { describe, expect, it } from "vitest";
import { parseJepsenEdn } from "../../sim/check/historyFormats.ts";
import { LineSplitter } from "../../sim/trace/reader.ts";

function bestOf3(f: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Jepsen's history.edn: one op map per line. */
function ednLines(ops: number): string {
  const lines: string[] = [];
  for (let i = 0; i < ops; i++) {
    const p = i % 10;
    lines.push(`{:type :invoke, :f :write, :value [:k${p} ${i}], :process ${p}, :time ${i * 2000}, :index ${2 * i}}`);
    lines.push(
      `{:type :ok, :f :write, :value [:k${p} ${i}], :process ${p}, :time ${i * 2000 + 1000}, :index ${2 * i + 1}}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe("linear time", () => {
  it("parses a one-map-per-line EDN history 10 times longer in about 10 times the time, not 100", () => {
    const base = 200;
    const t10 = ednLines(base * 10);
    const t100 = ednLines(base * 100);
    parseJepsenEdn(ednLines(base), "warm.edn");
    const ms10 = bestOf3(() => parseJepsenEdn(t10, "h.edn"));
    const ms100 = bestOf3(() => expect(parseJepsenEdn(t100, "h.edn")).toHaveLength(base * 100));
    expect(ms100 / ms10).toBeLessThan(35);
  }, 120_000);

  it("still names the right line of an error deep in a long EDN file", () => {
    const text = `${ednLines(3000)}{:type :ok, :f :write, :process 1, :time "abc"}\n`;
    expect(() => parseJepsenEdn(text, "h.edn")).toThrow(/h\.edn: line 6001 .*:time/);
  });

  it("splits a line that arrives in many pieces 10 times longer in about 10 times the time, not 100", () => {
    const piece = "x".repeat(64 * 1024);
    const run = (pieces: number) => () => {
      let got = 0;
      const s = new LineSplitter((line) => {
        got += line.length;
      });
      for (let i = 0; i < pieces; i++) s.push(piece);
      s.push("\n");
      expect(got).toBe(pieces * piece.length);
    };
    run(10)();
    const ms10 = bestOf3(run(10 * 10)); // 6.4 MB
    const ms100 = bestOf3(run(10 * 100)); // 64 MB: took 26 s when each piece was joined onto the line so far
    expect(ms100 / ms10).toBeLessThan(35);
  }, 120_000);

  it("refuses a line longer than its limit instead of filling memory (a sparse file has no newline)", () => {
    const s = new LineSplitter(() => {}, "sparse.ndjson", 1000);
    s.push("{}\n");
    expect(() => {
      for (let i = 0; i < 20; i++) s.push("\u0000".repeat(100));
    }).toThrow(/sparse\.ndjson: line 2: a line longer than 1000 characters/);
  });

  it("hands over lines exactly however the text is cut", () => {
    const text = "a\nbb\n\nccc\ndddd";
    for (let cut = 1; cut <= text.length; cut++) {
      const lines: string[] = [];
      const s = new LineSplitter((l) => lines.push(l));
      for (let i = 0; i < text.length; i += cut) s.push(text.slice(i, i + cut));
      expect([...lines, s.takeRest()]).toEqual(["a", "bb", "", "ccc", "dddd"]);
    }
  });
});
