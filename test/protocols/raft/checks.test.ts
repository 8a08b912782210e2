import { describe, expect, it } from "vitest";
import { amongst, Cluster } from "./harness.ts";

/** Figure 8 of the Raft paper as in raft.test.ts, here with a snapshot after every applied entry. */
function figure8(bugs: string[], snapshotEvery: number): Cluster {
  const c = new Cluster(5, { preVote: false, checkQuorum: false, batchMicros: 0, noopOnElection: false, snapshotEvery }, bugs);
  const elect = (id: string, voters: string[]) => {
    c.fire(id, "election");
    c.deliver(amongst(id, ...voters));
  };
  elect("n1", ["n2", "n3", "n4", "n5"]);
  c.client("n1", 1, "k", "first");
  c.deliver();
  c.client("n1", 2, "k", "from-s1");
  c.deliver(amongst("n1", "n2"));
  c.drop();
  c.crash("n1");
  elect("n5", ["n3", "n4"]);
  c.client("n5", 3, "k", "from-s5");
  c.drop();
  c.crash("n5");
  c.restart("n1");
  c.fire("n1", "election");
  c.deliver(amongst("n1", "n2", "n3", "n4"));
  elect("n1", ["n2", "n3", "n4"]);
  c.fire("n1", "heartbeat");
  c.deliver(amongst("n1", "n2", "n3"));
  c.drop();
  c.crash("n1");
  c.restart("n5");
  for (let i = 0; i < 2; i++) elect("n5", ["n2", "n3", "n4", "n5"]);
  for (let i = 0; i < 2; i++) {
    c.fire("n5", "heartbeat");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
  }
  return c;
}

describe("raft checks", () => {
  it("see entries applied and compacted in the same step (Figure 8 with the commit-old-term bug, snapshotEvery 1)", () => {
    const c = figure8(["commit-old-term"], 1);
    // n1 applied r2 at index 2 and compacted it away in the step that committed it; n3 later applied r3 there.
    expect(c.state("n3").kv.get("k")).toBe("from-s5");
    expect(c.violations.some((v) => v.startsWith("leader-completeness: leader n5 of term 4 lacks committed entry 2 (r2"))).toBe(true);
    expect(c.violations.some((v) => v.startsWith("state-machine-safety: ") && v.includes("at index 2"))).toBe(true);
  });

  it("and pass the same schedule without the bug", () => {
    const c = figure8([], 1);
    expect(c.state("n5").role).toBe("leader");
    expect(c.violations).toEqual([]);
  });
});
