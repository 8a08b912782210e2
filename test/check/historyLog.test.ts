import { describe, expect, it } from "vitest";
import type { HistoryOp } from "../../sim/check/history.ts";
import { HistoryLog } from "../../sim/check/historyLog.ts";
import type { KvOp } from "../../sim/core/protocol.ts";

describe("history log", () => {
  it(
    "builds exactly the ops recorded, in order, across " + "chunks, and extends what it built when more are recorded",
    () => {
      const log = new HistoryLog(["c1", "c2", "c3"]);
      const expected: HistoryOp[] = [];
      const record = (i: number) => {
        const op: KvOp = i % 2 === 0 ? { f: "read", key: `k${i % 7}` } : { f: "write", key: "k1", value: `c2:${i}` };
        const outcome = (["ok", "fail", "info"] as const)[i % 3] as HistoryOp["outcome"];
        // Times beyond 2^30 and 2^31 microseconds too (runs longer than 18 and 35 minutes).
        const invokeMicros = i * 1_000_003;
        const completeMicros = outcome === "info" ? null : invokeMicros + 150_000;
        const result =
          outcome === "ok"
            ? i % 4 === 0
              ? `c1:${i}`
              : i % 4 === 1
                ? true
                : null
            : outcome === "fail"
              ? "too many redirects"
              : undefined;
        log.push(i + 5, i % 3, i + 1, op, invokeMicros, completeMicros, outcome, result);
        expected.push({
          process: i + 5,
          client: `c${(i % 3) + 1}`,
          requestId: i + 1,
          op,
          invokeMicros,
          completeMicros,
          outcome,
          result: result ?? null,
        });
      };
      for (let i = 0; i < 10_000; i++) record(i);
      expect(log.toArray()).toEqual(expected);
      for (let i = 10_000; i < 20_000; i++) record(i);
      const all = log.toArray();
      expect(all).toEqual(expected);
      expect(all[3]?.op).toBe(expected[3]?.op);
    },
  );
});
