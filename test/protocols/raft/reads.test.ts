import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";
import { amongst, Cluster, elect } from "./harness.ts";

/** n1 leads n2, n3 and has committed k=v1 (the no-op of its term first). */
function ledCluster(options: Record<string, unknown>): Cluster {
  const c = new Cluster(3, { batchMicros: 0, preVote: false, ...options });
  elect(c, "n1", ["n2", "n3"]);
  c.deliver();
  c.client("n1", 1, "k", "v1");
  c.deliver();
  c.fire("n1", "heartbeat");
  c.deliver();
  expect(c.state("n1")).toMatchObject({ role: "leader", commit: 2 });
  return c;
}

describe("raft reads without a log entry", () => {
  it("ReadIndex: the leader answers a read after a quorum confirms its leadership, appending nothing", () => {
    const c = ledCluster({ reads: "read-index" });
    const before = c.state("n1").log.lastIndex;
    c.client("n1", 2, "k", null);
    expect(c.replyTo(2)).toBeUndefined(); // not before a quorum answered a round sent after the read arrived
    c.deliver(amongst("n1", "n2"));
    expect(c.replyTo(2)).toEqual({ type: "ok", value: "v1" });
    expect(c.state("n1").log.lastIndex).toBe(before);
    expect(c.violations).toEqual([]);
  });

  it("ReadIndex: a leader cut off from its quorum never answers, though no clock told it so", () => {
    const c = ledCluster({ reads: "read-index" });
    c.client("n1", 2, "k", null);
    c.drop((m) => m.from === "n1" || m.to === "n1");
    c.state("n2").lastLeaderContact = -1e9; // n2 and n3 stopped hearing from n1
    c.state("n3").lastLeaderContact = -1e9;
    // n2 and n3 elect n2, which commits a newer write; n1 still believes it leads.
    elect(c, "n2", ["n3"]);
    c.deliver(amongst("n2", "n3"));
    c.client("n2", 3, "k", "v2");
    c.deliver(amongst("n2", "n3"));
    expect(c.state("n2").kv.get("k")).toBe("v2");
    c.fire("n1", "heartbeat");
    c.drop((m) => m.from === "n1");
    expect(c.state("n1").role).toBe("leader");
    expect(c.replyTo(2)).toBeUndefined();
  });

  it("lease: the leader answers alone within the lease, and starts a round once it has run out", () => {
    const c = ledCluster({ reads: "lease", electionMinMicros: 300_000, leaseClockBoundMicros: 100_000 });
    c.fire("n1", "heartbeat"); // a round, answered at once: the lease runs 200ms from now
    c.deliver();
    const sent = c.sent.length;
    c.client("n1", 2, "k", null);
    expect(c.replyTo(2)).toEqual({ type: "ok", value: "v1" });
    expect(c.sent.length).toBe(sent); // no message needed
    c.now += 250_000; // past the lease (the bound taken off)
    c.client("n1", 3, "k", null);
    expect(c.replyTo(3)).toBeUndefined();
    c.deliver();
    expect(c.replyTo(3)).toEqual({ type: "ok", value: "v1" });
  });

  it("lease-without-clock-bound holds the lease for the full election timeout", () => {
    const c = new Cluster(
      3,
      { batchMicros: 0, preVote: false, reads: "lease", electionMinMicros: 300_000, leaseClockBoundMicros: 100_000 },
      ["lease-without-clock-bound"],
    );
    elect(c, "n1", ["n2", "n3"]);
    c.deliver();
    c.fire("n1", "heartbeat");
    c.deliver();
    c.now += 250_000;
    c.client("n1", 2, "k", null);
    expect(c.replyTo(2)).toEqual({ type: "ok", value: null });
  });

  it("the options refuse a lease without CheckQuorum, or a clock bound as long as the election timeout", () => {
    const base = readFileSync(resolve(import.meta.dirname, "../../../scenarios/raft-lease-skew.yaml"), "utf8");
    expect(() =>
      parseScenario(
        base.replace("\n    reads: lease\n", "\n    reads: lease\n    checkQuorum: false\n"),
        "x.yaml",
        registry,
      ),
    ).toThrow(/checkQuorum: true with lease reads/);
    expect(() =>
      parseScenario(
        base.replace("leaseClockBoundMicros: 500000", "leaseClockBoundMicros: 1000000"),
        "x.yaml",
        registry,
      ),
    ).toThrow(/expected less than electionMinMicros/);
  });
});

describe("raft reads under clock skew", () => {
  for (const file of ["raft-read-index-skew.yaml", "raft-lease-skew.yaml"]) {
    it(`${file}: linearizable on seeds 1-10, reads answered without log entries`, () => {
      const scenario = parseScenario(
        readFileSync(resolve(import.meta.dirname, "../../../scenarios", file), "utf8"),
        file,
        registry,
      );
      for (let seed = 1; seed <= 10; seed++) {
        const r = runScenario(scenario, { registry, seed, sink: "none" });
        expect(r.violations, `faultline run scenarios/${file} --seed ${seed}`).toEqual([]);
        expect(r.linearizability?.verdict).toBe("ok");
        expect(r.clientOps.ok).toBeGreaterThan(100);
      }
    }, 120_000);
  }
});
