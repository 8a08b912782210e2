import { describe, expect, it } from "vitest";
import { clientMetrics } from "../../sim/check/clientMetrics.ts";
import type { HistoryOp } from "../../sim/check/history.ts";
import type { KvOp } from "../../sim/core/protocol.ts";
import { loadScenarioFile } from "../../sim/cli/scenarioFile.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { registry } from "../../protocols/index.ts";

let nextId = 1;
function op(
  client: string,
  o: KvOp,
  invoke: number,
  complete: number | null,
  outcome: HistoryOp["outcome"],
  result?: unknown,
): HistoryOp {
  return {
    process: 0,
    client,
    requestId: nextId++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome,
    result,
  };
}
const dcOf = (c: string) => (c === "c1" ? "dc1" : "dc2");
const w = (value: string, key = "k"): KvOp => ({ f: "write", key, value });
const r = (key = "k"): KvOp => ({ f: "read", key });

describe("availability as clients saw it", () => {
  it("counts a known outage as down time, from the first failed op to the next success", () => {
    // c1 writes every second from 0s to 19s; the writes invoked at 5s..9s time out (the outage). The service is down
    // from 5s (the first failed invoke) to 10.01s (the completion of the first ok write invoked after it): 5.01s of
    // the observed 0s..20s, so uptime is 1 - 5.01/20 = 0.7495; 15 of 20 writes succeeded.
    const h: HistoryOp[] = [];
    for (let s = 0; s < 20; s++) {
      const t = s * 1_000_000;
      if (s >= 5 && s < 10) h.push(op("c1", w(`v${s}`), t, null, "info"));
      else h.push(op("c1", w(`v${s}`), t, t + 10_000, "ok"));
    }
    const m = clientMetrics(h, dcOf, 20_000_000);
    expect(m.availability).toHaveLength(1);
    const a = m.availability[0];
    expect(a).toMatchObject({ service: "dc1 writes", dc: "dc1", opClass: "write", completed: 20, ok: 15 });
    expect(a?.okRatio).toBe(0.75);
    expect(a?.downMicros).toBe(5_010_000);
    expect(a?.uptimeRatio).toBeCloseTo(0.7495, 10);
  });

  it("keeps a service down to the end of the run when nothing succeeded after its failure", () => {
    const h = [op("c2", r(), 0, 1000, "ok", null), op("c2", r(), 4_000_000, 4_001_000, "fail", "no leader")];
    const a = clientMetrics(h, dcOf, 10_000_000).availability[0];
    expect(a).toMatchObject({ service: "dc2 reads", downMicros: 6_000_000, okRatio: 0.5 });
    expect(a?.uptimeRatio).toBeCloseTo(0.4, 10);
  });

  it("splits services by the client's datacenter and by reads and writes", () => {
    const h = [op("c1", r(), 0, 10, "ok", null), op("c2", w("a"), 0, 10, "ok"), op("c1", w("b"), 20, 30, "ok")];
    expect(clientMetrics(h, dcOf, 100).availability.map((a) => a.service)).toEqual([
      "dc1 reads",
      "dc1 writes",
      "dc2 writes",
    ]);
  });
});

describe("the consistency ratio of reads", () => {
  it("counts a read that missed the latest acknowledged write as inconsistent", () => {
    const h = [
      op("c1", w("a"), 0, 100, "ok"),
      op("c1", w("b"), 200, 300, "ok"),
      op("c2", r(), 400, 500, "ok", "b"), // fresh
      op("c2", r(), 600, 700, "ok", "a"), // stale: b was acknowledged at 300
      op("c2", r(), 50, 60, "ok", null), // before any acknowledgement: the initial value is fresh
    ];
    expect(clientMetrics(h, dcOf, 1000).consistency).toEqual({ reads: 3, consistent: 2, ratio: 2 / 3 });
  });

  it("accepts the value of a write concurrent with the read, or one not yet acknowledged", () => {
    const h = [
      op("c1", w("a"), 0, 100, "ok"),
      op("c1", w("b"), 150, 450, "ok"), // overlaps the read
      op("c1", w("c"), 160, null, "info"), // indeterminate, invoked before the read completed
      op("c2", r(), 200, 300, "ok", "b"),
      op("c2", r(), 200, 300, "ok", "c"),
      op("c2", r(), 200, 300, "ok", "a"),
      op("c2", r(), 200, 300, "ok", "zzz"), // a value never written
    ];
    expect(clientMetrics(h, dcOf, 1000).consistency).toEqual({ reads: 4, consistent: 3, ratio: 0.75 });
  });

  it("accepts either of two overlapping writes, whichever was acknowledged first", () => {
    // The append was acknowledged after the write, but they overlap, so the append may be ordered first.
    const app: KvOp = { f: "append", key: "k", value: "a" };
    const h = [op("c1", app, 0, 120, "ok"), op("c2", w("b"), 10, 100, "ok"), op("c2", r(), 200, 300, "ok", "b")];
    expect(clientMetrics(h, dcOf, 1000).consistency).toEqual({ reads: 1, consistent: 1, ratio: 1 });
  });

  it("finds every read of a linearizable run consistent", () => {
    for (const file of ["scenarios/raft-basic-agree.yaml", "scenarios/demo.yaml"]) {
      for (let seed = 1; seed <= 4; seed++) {
        const r = runScenario(loadScenarioFile(file, registry), { registry, seed, sink: "none" });
        expect(r.linearizability?.verdict).toBe("ok");
        expect(r.clientMetrics.consistency?.ratio, `${file} seed ${seed}`).toBe(1);
      }
    }
  });

  it("ignores failed writes and cas ops that did not apply", () => {
    const h = [
      op("c1", w("a"), 0, 100, "ok"),
      op("c1", w("x"), 110, 120, "fail", "no leader"),
      op("c1", { f: "cas", key: "k", expected: "q", value: "y" }, 130, 140, "ok", false),
      op("c2", r(), 200, 300, "ok", "a"),
      op("c2", r(), 200, 300, "ok", "y"),
    ];
    expect(clientMetrics(h, dcOf, 1000).consistency).toEqual({ reads: 2, consistent: 1, ratio: 0.5 });
  });

  it("reads a list built by appends as containing every append acknowledged before the read", () => {
    const app = (value: string): KvOp => ({ f: "append", key: "k", value });
    const h = [
      op("c1", w("x"), 0, 10, "ok"),
      op("c1", app("a"), 20, 30, "ok"),
      op("c1", app("b"), 40, 50, "ok"),
      op("c2", r(), 60, 70, "ok", "x,a,b"), // fresh
      op("c2", r(), 60, 70, "ok", "x,a"), // misses b
    ];
    expect(clientMetrics(h, dcOf, 100).consistency).toEqual({ reads: 2, consistent: 1, ratio: 0.5 });
  });

  it("is null when no read succeeded", () => {
    expect(clientMetrics([op("c1", w("a"), 0, 10, "ok")], dcOf, 100).consistency).toBeNull();
  });
});

describe("latency by class", () => {
  it("gives p50, p99 and max of ok ops per class", () => {
    const h = Array.from({ length: 100 }, (_, i) => op("c1", r(), 0, (i + 1) * 1000, "ok", null));
    h.push(op("c1", w("a"), 0, 5000, "ok"), op("c1", w("b"), 0, null, "info"));
    const m = clientMetrics(h, dcOf, 1_000_000);
    expect(m.latency).toEqual([
      { opClass: "read", n: 100, p50: 50_000, p99: 99_000, max: 100_000 },
      { opClass: "write", n: 1, p50: 5000, p99: 5000, max: 5000 },
    ]);
  });
});
