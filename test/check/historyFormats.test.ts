import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import {
  HistoryFormatError,
  parseJepsenEdn,
  parsePorcupineJson,
  TraceHistory,
} from "../../sim/check/historyFormats.ts";
import { toJepsenHistory } from "../../sim/trace/export/jepsen.ts";
import type { TraceEvent, TraceHeader } from "../../sim/trace/events.ts";

const EDN = `
; a Jepsen independent-keys history
{:type :invoke, :f :write, :value [:x 1], :process 0, :time 1000, :index 0}
{:type :ok, :f :write, :value [:x 1], :process 0, :time 5000, :index 1}
{:type :invoke, :f :cas, :value [:x [1 2]], :process 1, :time 6000, :index 2}
{:type :invoke, :f :read, :value [:x nil], :process 0, :time 7000, :index 3}
{:type :ok, :f :cas, :value [:x [1 2]], :process 1, :time 9000, :index 4}
{:type :ok, :f :read, :value [:x 2], :process 0, :time 10000, :index 5}
{:type :info, :f :start, :value nil, :process :nemesis, :time 11000}
{:type :invoke, :f :write, :value [:x 3], :process 2, :time 12000, :index 6}
`;

describe("Jepsen EDN histories", () => {
  it("pairs invocations with completions per process and reads [k v] tuples", () => {
    const h = parseJepsenEdn(EDN, "h.edn");
    expect(h.map((o) => [o.op, o.outcome, o.result, o.invokeMicros, o.completeMicros])).toEqual([
      [{ f: "write", key: "x", value: "1" }, "ok", null, 1, 5],
      [{ f: "cas", key: "x", expected: "1", value: "2" }, "ok", true, 6, 9],
      [{ f: "read", key: "x" }, "ok", "2", 7, 10],
      [{ f: "write", key: "x", value: "3" }, "info", null, 12, null],
    ]);
    expect(checkLinearizability(h).verdict).toBe("ok");
  });

  it("finds a stale read in an EDN history", () => {
    const stale = EDN.replace("{:type :ok, :f :read, :value [:x 2]", "{:type :ok, :f :read, :value [:x 1]").replace(
      ":time 7000",
      ":time 9500",
    );
    expect(checkLinearizability(parseJepsenEdn(stale)).verdict).toBe("violation");
  });

  it("reads the histories that faultline export --format jepsen writes", () => {
    const events: TraceEvent[] = [
      { t: 10, k: "invoke", c: "c1", p: 0, r: 1, n: "n1", op: { f: "write", key: "k", value: "a" } },
      { t: 20, k: "ok", c: "c1", p: 0, r: 1, n: "n1", v: null },
      { t: 30, k: "invoke", c: "c2", p: 1, r: 2, n: "n1", op: { f: "cas", key: "k", expected: "b", value: "c" } },
      { t: 40, k: "ok", c: "c2", p: 1, r: 2, n: "n1", v: false },
      { t: 50, k: "invoke", c: "c1", p: 0, r: 3, n: "n1", op: { f: "read", key: "k" } },
      { t: 60, k: "ok", c: "c1", p: 0, r: 3, n: "n1", v: "a" },
    ];
    const edn = toJepsenHistory({} as TraceHeader, events);
    const h = parseJepsenEdn(edn, "export.edn");
    expect(h.map((o) => `${o.op.f}:${o.outcome}:${String(o.result)}`)).toEqual([
      "write:ok:null",
      "cas:fail:null",
      "read:ok:a",
    ]);
    const fromTrace = new TraceHistory();
    for (const e of events) fromTrace.event(e);
    expect(checkLinearizability(h).verdict).toBe(checkLinearizability(fromTrace.ops()).verdict);
  });

  it("names the line and what was expected on bad input", () => {
    expect(() =>
      parseJepsenEdn(
        "{:type :invoke, :f :write, :value [:x 1], :process 0}\n{:type :ok, :f :frob, :process 0}",
        "bad.edn",
      ),
    ).toThrow(/bad.edn: line 2 .*:f/);
    expect(() => parseJepsenEdn("{:type :invoke, :f :read, :process 0", "cut.edn")).toThrow(HistoryFormatError);
    expect(() => parseJepsenEdn("{:type :ok, :f :read, :value [:x 1], :process 3}", "o.edn")).toThrow(
      /process 3 completed an op it never invoked/,
    );
    // A keyword process (the nemesis) is skipped; a history of nothing else has no client ops to check.
    expect(
      parseJepsenEdn("{:type :invoke, :f :read, :process :x}\n{:type :invoke, :f :read, :process 1}", "p.edn"),
    ).toHaveLength(1);
    expect(() => parseJepsenEdn("{:type :invoke, :f :read, :process :x}", "p.edn")).toThrow(/no client operations/);
    expect(() => parseJepsenEdn('{:type :invoke, :f :read, :process "x"}', "p.edn")).toThrow(
      /:process to be an integer/,
    );
  });
});

describe("Porcupine-style JSON histories", () => {
  it("parses ops with outputs and finds a lost write", () => {
    const ok = [
      { clientId: 0, input: { op: "put", key: "x", value: "1" }, call: 0, output: null, return: 10 },
      { clientId: 1, input: { op: "get", key: "x" }, call: 20, output: { value: "1" }, return: 30 },
      { clientId: 1, input: { op: "cas", key: "x", expected: "1", value: "2" }, call: 40, output: true, return: 50 },
    ];
    expect(checkLinearizability(parsePorcupineJson(JSON.stringify(ok))).verdict).toBe("ok");
    const lost = [...ok, { clientId: 0, input: { op: "get", key: "x" }, call: 60, output: "1", return: 70 }];
    const r = checkLinearizability(parsePorcupineJson(JSON.stringify(lost)));
    expect(r.verdict).toBe("violation");
    expect(r.key).toBe("x");
  });

  it("treats return null as indeterminate and outcome fail as never applied", () => {
    const h = parsePorcupineJson(
      JSON.stringify([
        { clientId: 0, input: { op: "write", key: "x", value: "a" }, call: 0, output: null, return: null },
        {
          clientId: 1,
          input: { op: "write", key: "x", value: "b" },
          call: 0,
          output: null,
          return: 5,
          outcome: "fail",
        },
        { clientId: 2, input: { op: "read", key: "x" }, call: 100, output: "a", return: 110 },
      ]),
    );
    expect(h.map((o) => o.outcome)).toEqual(["info", "fail", "ok"]);
    expect(checkLinearizability(h).verdict).toBe("ok");
    h[2]!.result = "b";
    expect(checkLinearizability(h).verdict).toBe("violation");
  });

  it("names the entry and field on bad input", () => {
    expect(() => parsePorcupineJson("{", "h.json")).toThrow(/h.json: not valid JSON/);
    expect(() =>
      parsePorcupineJson('[{"clientId": 0, "input": {"op": "frob"}, "call": 0, "return": 1}]', "h.json"),
    ).toThrow(/h.json: entry 0: expected input.op/);
    expect(() =>
      parsePorcupineJson('[{"clientId": 0, "input": {"op": "get", "key": "k"}, "call": 5, "return": 1}]', "h.json"),
    ).toThrow(/"return" \(1\) is before "call" \(5\)/);
    expect(() => parsePorcupineJson('[{"clientId": "a", "input": {}, "call": 0, "return": 1}]', "h.json")).toThrow(
      /"clientId" to be a number/,
    );
  });
});
