/**
 * The minimal counterexample of a violation: shrunk to the ops that on their own are not linearizable, printed in
 * the message, and written to the run's trace (the violation event's `ops`) for the viewer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import type { HistoryOp } from "../../sim/check/history.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import type { KvOp } from "../../sim/core/protocol.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { bruteForceLinearizable } from "./bruteForce.ts";
import { registerModel } from "../../sim/check/models/register.ts";
import type { Model } from "../../sim/check/models/model.ts";
import type { CheckOp } from "../../sim/check/models/op.ts";

let id = 0;
function op(p: number, o: KvOp, invoke: number, complete: number | null, result: unknown = null): HistoryOp {
  return {
    process: p,
    client: `c${p}`,
    requestId: id++,
    op: o,
    invokeMicros: invoke,
    completeMicros: complete,
    outcome: complete === null ? "info" : "ok",
    result,
  };
}

describe("the minimal counterexample", () => {
  it("is the stale read, the write it saw and the write that overwrote it, out of a noisy history", () => {
    const noise = Array.from({ length: 30 }, (_, i) => [
      op(2, { f: "write", key: "k", value: `n${i}` }, 1000 + i * 100, 1000 + i * 100 + 10),
      op(3, { f: "read", key: "k" }, 1000 + i * 100 + 20, 1000 + i * 100 + 30, `n${i}`),
    ]).flat();
    const a = op(0, { f: "write", key: "k", value: "a" }, 0, 10);
    const b = op(0, { f: "write", key: "k", value: "b" }, 20, 30);
    const stale = op(1, { f: "read", key: "k" }, 40, 50, "a");
    const r = checkLinearizability([a, b, stale, ...noise]);
    expect(r.verdict).toBe("violation");
    expect(r.counterexample?.ops).toEqual([a.requestId, b.requestId, stale.requestId]);
    expect(r.counterexample?.minimal).toBe(true);
    expect(r.counterexample?.lines[2]).toMatch(/c1 r\d+ read = "a" \[40us..50us, ok\]/);
  });

  it("is itself not linearizable (by brute force) on random stale-read histories", () => {
    const model = registerModel as Model<unknown>;
    let checked = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const ops = Array.from({ length: 60 }, (_, i) => {
        const write = (seed * 7 + i * 13) % 2 === 1;
        const o: KvOp = write ? { f: "write", key: "k", value: String((seed + i * 5) % 3) } : { f: "read", key: "k" };
        return op(i % 4, o, i * 10, i * 10 + 15 + ((i * seed) % 20), write ? null : String((i + seed) % 3));
      });
      const r = checkLinearizability(ops);
      if (r.verdict !== "violation" || r.counterexample === undefined || r.counterexample.ops.length > 8) continue;
      const kept = ops.filter((h) => r.counterexample?.ops.includes(h.requestId)) as HistoryOp<CheckOp>[];
      expect(bruteForceLinearizable(model, kept)).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("is written to the trace of a run that violates linearizability, as the violation event's ops", () => {
    const path = join(import.meta.dirname, "../../scenarios/register-primary-backup.yaml");
    const scenario = parseScenario(readFileSync(path, "utf8"), path, registry);
    const run = runScenario(scenario, { registry, seed: 1, bugs: ["stale-backup-read"], sink: "record" });
    expect(run.linearizability?.verdict).toBe("violation");
    const ops = run.linearizability?.counterexample?.ops ?? [];
    expect(ops.length).toBeGreaterThan(1);
    const lines = [...(run.trace?.lines() ?? [])].map((l) => JSON.parse(l) as { k?: string; ops?: number[] });
    const event = lines.find((e) => e.k === "violation");
    expect(event?.ops).toEqual(ops);
    expect(run.violations[0]?.message).toMatch(/Minimal counterexample \(\d+ ops\)/);
  });
});
