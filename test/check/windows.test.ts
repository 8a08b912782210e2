import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { WindowWatch, type WindowSpec } from "../../sim/check/windows.ts";
import type { InvariantContext } from "../../sim/core/protocol.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { ScenarioError } from "../../sim/scenario/scenarioError.ts";
import { runVerdict } from "../../sim/explore/verdict.ts";
import { runScenario } from "../../sim/world/simulation.ts";

const ctx = {} as InvariantContext<unknown>;

function spec(kind: WindowSpec["kind"], from: number, to: number, require: string[]): WindowSpec {
  return { kind, label: `${from}-${to}`, span: { fromMicros: from, toMicros: to }, require };
}

describe("the window watch", () => {
  it("reports a write invoked and acknowledged inside a nothing-commits window, once", () => {
    const w = new WindowWatch([spec("nothing-commits", 3e6, 6e6, ["client-ok-write"])], 0, []);
    expect(w.clientOk(3_500_000, 3_600_000, false)).toEqual([]); // a read
    expect(w.clientOk(2_900_000, 3_100_000, true)).toEqual([]); // invoked before the window
    expect(w.clientOk(5_900_000, 6_100_000, true)).toEqual([]); // answered after it
    const miss = w.clientOk(4_000_000, 4_010_000, true);
    expect(miss).toHaveLength(1);
    expect(miss[0]?.check).toBe("nothing-commits.client-ok-write");
    expect(w.clientOk(4_100_000, 4_110_000, true)).toEqual([]);
    expect(w.verdicts(10e6)[0]).toMatchObject({ verdict: "violated" });
  });

  it("holds a nothing-commits window where nothing was acknowledged; one the run did not reach is unchecked", () => {
    const w = new WindowWatch(
      [spec("nothing-commits", 3e6, 6e6, ["client-ok-write"]), spec("nothing-commits", 8e6, 9e6, ["client-ok"])],
      0,
      [],
    );
    w.clientOk(2e6, 2.5e6, true);
    w.poll(7e6, ctx);
    expect(w.verdicts(7e6).map((v) => v.verdict)).toEqual(["ok", "unchecked"]);
  });

  it("fails a during window where progress stalls longer than the liveness window, and passes a steady one", () => {
    const stalled = new WindowWatch([spec("during", 1e6, 5e6, ["client-ok"])], 1e6, []);
    stalled.clientOk(1.2e6, 1.5e6, false);
    expect(stalled.poll(2.4e6, ctx)).toEqual([]);
    const miss = stalled.poll(2.6e6, ctx);
    expect(miss.map((m) => m.check)).toEqual(["liveness.during.client-ok"]);
    expect(stalled.verdicts(6e6)[0]?.verdict).toBe("violated");

    const steady = new WindowWatch([spec("during", 1e6, 5e6, ["client-ok"])], 1e6, []);
    for (let t = 1.5e6; t <= 5e6; t += 0.5e6) {
      steady.clientOk(t - 1000, t, false);
      expect(steady.poll(t, ctx)).toEqual([]);
    }
    steady.poll(5.1e6, ctx);
    expect(steady.verdicts(6e6)[0]).toMatchObject({ verdict: "ok" });
  });

  it("polls protocol conditions: seen in a during window, forbidden in a nothing-commits one", () => {
    let holds = false;
    const cond = [{ name: "leader", description: "", holds: () => holds }];
    const w = new WindowWatch(
      [spec("during", 0, 4e6, ["leader"]), spec("nothing-commits", 0, 4e6, ["leader"])],
      2e6,
      cond,
    );
    expect(w.poll(1e6, ctx)).toEqual([]);
    holds = true;
    expect(w.poll(1.5e6, ctx).map((m) => m.check)).toEqual(["nothing-commits.leader"]);
    w.poll(3e6, ctx);
    w.poll(4.1e6, ctx);
    expect(w.verdicts(5e6).map((v) => v.verdict)).toEqual(["ok", "violated"]);
  });

  it("does not check a during window shorter than the liveness window, nor one whose fault is not scheduled", () => {
    const w = new WindowWatch(
      [spec("during", 0, 1e6, ["client-ok"]), { kind: "during", label: "x", span: null, require: ["client-ok"] }],
      2e6,
      [],
    );
    w.poll(1.5e6, ctx);
    expect(w.verdicts(3e6).map((v) => v.verdict)).toEqual(["unchecked", "unchecked"]);
  });
});

function run(yaml: string, seed = 1, bugs: string[] = []) {
  return runScenario(parseScenario(yaml, "w.yaml", registry), { registry, seed, bugs, sink: "none" });
}

const base =
  "name: w\nduration: 12s\nprotocol: { name: paxos }\ntopology: { datacenters: [{ name: a, nodes: 5 }] }\n" +
  "workload: { clients: 3, rate: 20/s, keys: 3, timeout: 800ms }\n";
const majorityDown =
  "faults:\n  schedule:\n" +
  ["n1", "n2", "n3"].map((n) => `    - { at: 3s, crash: ${n}, restartAfter: 3s }\n`).join("");

describe("window checks in a run", () => {
  it("hold nothing-commits while a majority of Paxos acceptors is down, and fail it with learn-from-minority", () => {
    const yaml = `${base}${majorityDown}checks:\n  nothingCommits: [{ from: 3s, to: 6s }]\n`;
    const ok = run(yaml, 1);
    expect(ok.windows).toEqual([expect.objectContaining({ kind: "nothing-commits", verdict: "ok" })]);
    expect(runVerdict(ok).verdict).toBe("ok");
    const bad = run(yaml, 1, ["learn-from-minority"]);
    expect(runVerdict(bad)).toMatchObject({ verdict: "violated", check: "nothing-commits.client-ok-write" });
  });

  it("fails nothing-commits over a window in which the cluster is healthy", () => {
    const r = run(`${base}checks:\n  nothingCommits: [{ from: 1s, to: 2s }]\n`);
    expect(runVerdict(r).check).toBe("nothing-commits.client-ok-write");
    expect(r.windows?.[0]?.verdict).toBe("violated");
  });

  it("requires progress during a follower's crash, and finds none while a majority is down", () => {
    const during = (w: string) => `checks:\n  liveness: { require: [client-ok-write], window: 2s, during: [${w}] }\n`;
    const crash = "faults:\n  schedule:\n    - { at: 3s, crash: n5, restartAfter: 5s }\n";
    const follower = `${base}${crash}${during("{ crash: n5 }")}`;
    const ok = run(follower);
    expect(ok.windows?.[0]).toMatchObject({ kind: "during", verdict: "ok", fromMicros: 3e6, toMicros: 8e6 });
    expect(runVerdict(ok).verdict).toBe("ok");
    const stuck = run(`${base}${majorityDown}${during("{ from: 3s, to: 6s }")}`);
    expect(runVerdict(stuck)).toMatchObject({ verdict: "violated", check: "liveness.during.client-ok-write" });
  });

  it("leaves runs without window checks as they were (no windows field)", () => {
    expect("windows" in run(`${base}checks: { liveness: { require: [client-ok], window: 2s } }\n`)).toBe(false);
  });

  it("refuses windows naming a fault the schedule does not have, or an unknown condition", () => {
    expect(() => run(`${base}checks: { nothingCommits: [{ crash: n2 }] }\n`)).toThrow(ScenarioError);
    expect(() => run(`${base}checks: { nothingCommits: [{ fault: p1 }] }\n`)).toThrow(/no partition "p1"/);
    expect(() => run(`${base}checks: { nothingCommits: [{ from: 1s, to: 2s, require: [nope] }] }\n`)).toThrow(
      /unknown progress condition "nope"/,
    );
    expect(() => run(`${base}checks: { nothingCommits: [{ from: 2s, to: 1s }] }\n`)).toThrow(/after `from`/);
  });
});
