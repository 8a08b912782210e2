/**
 * Issue 18, defect 3: EDN is as strict as JSON (bad input is an error naming the line, never a verdict), and knows
 * the aliases and the :key field the JSON reader knows; plus the Jepsen log format of etcd's tests.
 */
import { describe, expect, it } from "vitest";
import { HistoryFormatError, parseJepsenEdn, parsePorcupineJson } from "../../sim/check/historyFormats.ts";
import { parseJepsenLog } from "../../sim/check/historyJepsenLog.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";

const W = "{:type :invoke, :f :write, :value [:x 1], :process 0, :time 5000}";
const W_OK = "{:type :ok, :f :write, :value [:x 1], :process 0, :time 6000}";

describe("strict EDN", () => {
  it("rejects a completion timed before its invocation as bad input, not as a violation", () => {
    const text = `${W}\n{:type :ok, :f :write, :value [:x 1], :process 0, :time 1000}\n`;
    expect(() => parseJepsenEdn(text, "h.edn")).toThrow(HistoryFormatError);
    expect(() => parseJepsenEdn(text, "h.edn")).toThrow(/h\.edn: line 2 .*completion .* is before its invocation/);
  });

  it("rejects a :time that is not a number, and events with and without :time mixed", () => {
    expect(() => parseJepsenEdn(`${W.replace(":time 5000", ':time "abc"')}\n`, "h.edn")).toThrow(
      /line 1 .*expected :time to be a number of nanoseconds, found "abc"/,
    );
    expect(() => parseJepsenEdn(`${W}\n${W_OK.replace(", :time 6000", "")}\n`, "h.edn")).toThrow(
      /line 2 .*has no :time but earlier events do/,
    );
  });

  it("rejects an empty history, and one with only nemesis events, as bad input", () => {
    expect(() => parseJepsenEdn("", "empty.edn")).toThrow(/empty\.edn: no client operations/);
    expect(() => parseJepsenEdn("  ; nothing\n", "empty.edn")).toThrow(/no client operations/);
    expect(() => parseJepsenEdn("{:type :info, :f :start, :process :nemesis}\n", "n.edn")).toThrow(
      /no client operations/,
    );
    expect(() => parsePorcupineJson("[]", "empty.json")).toThrow(/empty\.json: no operations/);
  });

  it("rejects a completion whose :f is not its invocation's", () => {
    expect(() => parseJepsenEdn(`${W}\n${W_OK.replace(":f :write", ":f :read")}\n`, "h.edn")).toThrow(
      /completed a :read, but its op in progress is a :write/,
    );
  });

  it("reads :get and :put as read and write, as the JSON reader does", () => {
    const h = parseJepsenEdn(
      `{:type :invoke, :f :put, :value [:x 1], :process 0, :time 0}
{:type :ok, :f :put, :value [:x 1], :process 0, :time 10}
{:type :invoke, :f :get, :value [:x nil], :process 1, :time 20}
{:type :ok, :f :get, :value [:x 1], :process 1, :time 30}`,
      "h.edn",
    );
    expect(h.map((o) => o.op)).toEqual([
      { f: "write", key: "x", value: "1" },
      { f: "read", key: "x" },
    ]);
    expect(h[1]?.result).toBe("1");
  });

  it("takes the key from :key when there is one, with :value as the payload", () => {
    const h = parseJepsenEdn(
      `{:type :invoke, :f :cas, :key "a", :value [1 2], :process 0}
{:type :ok, :f :cas, :key "a", :value [1 2], :process 0}
{:type :invoke, :f :read, :key :b, :value nil, :process 1}
{:type :ok, :f :read, :key :b, :value [5 6], :process 1}`,
      "h.edn",
    );
    expect(h.map((o) => o.op)).toEqual([
      { f: "cas", key: "a", expected: "1", value: "2" },
      { f: "read", key: "b" },
    ]);
    expect(h[1]?.result).toEqual(["5", "6"]);
  });
});

describe("Elle-style list-append histories", () => {
  it("reads single micro-op :txn events, and the list-append model checks them", async () => {
    const { listAppendModel } = await import("../../sim/check/models/listAppend.ts");
    const text = `{:type :invoke, :f :txn, :value [[:append 5 1]], :process 0, :time 0}
{:type :ok, :f :txn, :value [[:append 5 1]], :process 0, :time 10}
{:type :invoke, :f :txn, :value [[:r 5 nil]], :process 1, :time 20}
{:type :ok, :f :txn, :value [[:r 5 [1]]], :process 1, :time 30}
{:type :invoke, :f :txn, :value [[:r 5 nil]], :process 1, :time 40}
{:type :ok, :f :txn, :value [[:r 5 []]], :process 1, :time 50}`;
    const h = parseJepsenEdn(text, "elle.edn");
    expect(h.map((o) => [o.op, o.result])).toEqual([
      [{ f: "append", key: "5", value: "1" }, null],
      [{ f: "read", key: "5" }, ["1"]],
      [{ f: "read", key: "5" }, []],
    ]);
    const model = listAppendModel as never;
    expect(checkLinearizability(h.slice(0, 2), { model }).verdict).toBe("ok");
    expect(checkLinearizability(h, { model }).verdict).toBe("violation");
  });

  it("refuses a transaction of several micro-ops, naming the line", () => {
    const text = "{:type :invoke, :f :txn, :value [[:append 5 1] [:r 6 nil]], :process 0}\n";
    expect(() => parseJepsenEdn(text, "elle.edn")).toThrow(/elle\.edn: line 1 .*one micro-op.*Elle/);
  });
});

const LOG = `2017-04-26 15:47:05,180{GMT}	INFO	[jepsen nemesis] jepsen.util - :nemesis	:info	:start	nil
INFO  jepsen.util - 3	:invoke	:cas	[1 4]
INFO  jepsen.util - 1	:invoke	:write	1
INFO  jepsen.util - 1	:ok	:write	1
INFO  jepsen.util - 3	:ok	:cas	[1 4]
INFO  jepsen.util - 2	:invoke	:read	nil
INFO  jepsen.util - 2	:ok	:read	4
INFO  jepsen.util - 0	:invoke	:read	nil
INFO  jepsen.util - 0	:fail	:read	nil	:timed-out
some other log line
INFO  jepsen.util - 4	:invoke	:cas	[4 0]
INFO  jepsen.util - 4	:info	:cas	[4 0]	:timed-out
`;

describe("Jepsen log text (--format jepsen-log)", () => {
  it("reads etcd's Jepsen log lines in file order, skipping the nemesis and other lines", () => {
    const h = parseJepsenLog(LOG, "etcd.log");
    expect(h.map((o) => [o.process, o.op.f, o.outcome, o.result])).toEqual([
      [3, "cas", "ok", true],
      [1, "write", "ok", null],
      [2, "read", "ok", "4"],
      [0, "read", "fail", null],
      [4, "cas", "info", null],
    ]);
    expect(checkLinearizability(h).verdict).toBe("ok");
  });

  it("finds a violation in a log: a read of a value overwritten before it began", () => {
    const bad = LOG.replace("2	:ok	:read	4", "2	:ok	:read	1");
    expect(checkLinearizability(parseJepsenLog(bad, "etcd.log")).verdict).toBe("violation");
  });

  it("rejects a log with no client events, and a bad value, naming the line", () => {
    expect(() => parseJepsenLog("hello\nworld\n", "x.log")).toThrow(/x\.log: no client events/);
    expect(() => parseJepsenLog("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4\n", "x.log")).toThrow(/x\.log: line 1/);
  });
});
