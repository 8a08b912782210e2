import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import type { RunResult } from "../../../sim/world/result.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

/**
 * Hand-worked metric values. Latencies are constant, so every message's delay is known: 1ms inside a datacenter,
 * 50ms between them. One primary n1 in dc-a (with its one client), two backups in dc-b. The primary logs a write 1ms
 * after its client invokes it and ships it at once; it reaches dc-b 50ms later.
 */
function scenario(mode: string, faults: string, extra = ""): string {
  return `
name: replication-hand-worked
seed: 1
duration: 4s
protocol:
  name: replication
  options: { mode: ${mode}, electionJitterMicros: 0${extra} }
topology:
  datacenters:
    - { name: dc-a, nodes: 1 }
    - { name: dc-b, nodes: 2 }
network:
  intraDc: { latency: 1ms }
  interDc: { latency: 50ms }
workload:
  clients: 1
  rate: 200/s
  mix: { write: 1 }
  keys: 3
  timeout: 1s
  target: leader
  placement: [dc-a]
${faults}
checks: { invariants: "*", linearizability: false }
`;
}

const CRASH_MICROS = 2_000_000;
const DC_FAILS = `faults:
  schedule:
    - { at: 2s, partition: { isolateDc: dc-a }, id: down }
    - { at: 2s, crash: n1 }`;

function run(text: string, seed: number): RunResult {
  return runScenario(parseScenario(text, "hand-worked.yaml", registry), { registry, seed, sink: "none" });
}

function metric(r: RunResult, name: string, label: string | null = null) {
  return r.protocolMetrics.find((m) => m.name === name && m.label === label);
}

describe("replication metrics worked out by hand", () => {
  it("an async primary's datacenter failure loses exactly the writes logged in the last 50ms (RPO)", () => {
    for (const seed of [1, 2, 3]) {
      const r = run(scenario("async", DC_FAILS), seed);
      expect(r.violations).toEqual([]);
      // Written by hand: a write invoked at t is logged (and acknowledged) at t + 1ms and reaches dc-b at t + 51ms.
      // The cut at 2s drops what is still on the way: the writes invoked in (2s - 51ms, 2s - 1ms).
      const lost = r.history.filter(
        (op) =>
          op.op.f === "write" && op.invokeMicros > CRASH_MICROS - 51_000 && op.invokeMicros < CRASH_MICROS - 1_000,
      ).length;
      expect(lost, `seed ${seed}`).toBeGreaterThan(0);
      const rpo = metric(r, "failover.rpo");
      expect(rpo?.count).toBe(1);
      expect(rpo?.max, `seed ${seed}`).toBe(lost);
      expect(metric(r, "failovers")?.sum).toBe(1);
    }
  });

  it("a sync primary's datacenter failure loses nothing (RPO 0)", () => {
    for (const seed of [1, 2, 3]) {
      const r = run(scenario("sync", DC_FAILS), seed);
      expect(r.violations).toEqual([]);
      expect(metric(r, "failover.rpo")?.max, `seed ${seed}`).toBe(0);
      // Each write waits for a backup in dc-b: 1ms to the primary, 50ms there and 50ms back, 1ms to the client.
      const write = r.clientMetrics.latency.find((l) => l.opClass === "write");
      expect(write?.p50).toBe(102_000);
    }
  });

  it("the failover's RTO is the failure timeout, give or take a heartbeat, the election and a client retry", () => {
    // A second client, in dc-b, with a 100ms timeout: it keeps writing at whoever it believes is primary.
    const text = scenario("async", DC_FAILS)
      .replace("clients: 1", "clients: 2")
      .replace("placement: [dc-a]", "placement: [dc-a, dc-b]")
      .replace("timeout: 1s", "timeout: 100ms");
    for (const seed of [1, 2]) {
      const rto = metric(run(text, seed), "failover.rto");
      expect(rto?.count).toBe(1);
      // By hand: the last message from n1 left it at most 50ms before 2s and arrived 50ms later, so the backups
      // last heard it in [2s, 2.05s]; their detectors fire 500ms after that (no jitter). When both fire at the same
      // instant they split the vote: n3 stands back for n2 (the tie goes to the lower id) and n2 stands again four
      // heartbeats later (200ms). Pre-vote, vote and the first heartbeat a majority answers are 2ms round trips in
      // dc-b (6ms a try). The observer dates the failure from the first step after the crash (within 1ms of 2s,
      // messages arrive every millisecond or so). Then the dc-b client's next write: at most its 100ms timeout on
      // n1, a 2ms redirect and its think time (exponential, mean 5ms; 40ms bounds it here). So RTO is in
      // [500ms - 50ms + 6ms, 550ms + 200ms + 12ms + 100ms + 2ms + 40ms].
      expect(rto?.max, `seed ${seed}`).toBeGreaterThanOrEqual(456_000);
      expect(rto?.max, `seed ${seed}`).toBeLessThanOrEqual(904_000);
    }
  });

  it("replication lag per backup is the one-way WAN latency, 50ms, when nothing fails", () => {
    const r = run(scenario("async", ""), 1);
    for (const b of ["n2", "n3"]) {
      const lag = metric(r, "replication.lag", b);
      expect(lag?.count, b).toBeGreaterThan(100);
      expect(lag?.p50, b).toBe(50_000);
      expect(lag?.max, b).toBe(50_000);
    }
    expect(metric(r, "failovers")).toBeUndefined();
  });
});
