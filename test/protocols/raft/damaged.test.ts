import { describe, expect, it } from "vitest";
import { amongst, between, Cluster, type Sent } from "./harness.ts";

const isVote = (m: Sent) => m.msg.type === "vote" || m.msg.type === "vote-resp";

/**
 * n1 leads term 1 and is then cut off; n2 wins term 2 with n3 and commits r20 at index 3 on n2 and n3. n3's disk
 * corrupts one key at rest and n3 restarts. The stale leader n1 (term 1) then takes a write and sends it to n3.
 */
function staleLeaderAfterDamage(key: string): { c: Cluster; restartedAt: number } {
  const c = new Cluster(3, { batchMicros: 0 });
  c.now = 1_000_000;
  c.fire("n1", "election");
  c.deliver(isVote);
  c.deliver();
  expect(c.state("n1")).toMatchObject({ role: "leader", term: 1 });
  c.now = 1_100_000; // before n1's CheckQuorum would make it step down
  c.state("n2").lastLeaderContact = -1e9; // n2 and n3 stopped hearing from n1
  c.state("n3").lastLeaderContact = -1e9;
  c.fire("n2", "election");
  c.deliver((m) => amongst("n2", "n3")(m) && isVote(m));
  c.client("n2", 20, "k", "from-n2");
  c.deliver(amongst("n2", "n3"));
  c.drop(between(["n2"], ["n1"]));
  expect(c.state("n2")).toMatchObject({ role: "leader", term: 2, commit: 3 });
  expect(c.log("n3")).toEqual(["noop1", "noop2", "r20"]);
  c.disks.get("n3")?.corrupt(key, () => 0);
  c.crash("n3");
  c.restart("n3");
  const restartedAt = c.sent.length;
  expect(c.state("n3").damaged).toBe(true);
  c.client("n1", 10, "k", "from-n1");
  c.deliver(amongst("n1", "n3"));
  return { c, restartedAt };
}

describe("raft on damaged disks", () => {
  it("a node whose term failed its checksum accepts nothing from a stale leader (it behaves as down)", () => {
    const { c, restartedAt } = staleLeaderAfterDamage("term");
    expect(c.state("n3").termLost).toBe(true);
    // Without the rule n3 (term 0) acknowledged n1's r10 at index 2 over noop2 and n1 committed it over r20.
    expect(c.log("n3")).toEqual(["noop1", "noop2", "r20"]);
    expect(c.state("n1").commit).toBe(1);
    expect(c.sent.slice(restartedAt).filter((m) => m.from === "n3")).toEqual([]);
    expect(c.violations).toEqual([]);
    // It stays silent across restarts: the damaged term is never rewritten.
    c.crash("n3");
    c.restart("n3");
    expect(c.state("n3").termLost).toBe(true);
  });

  it("nor a snapshot from a stale leader", () => {
    const { c } = staleLeaderAfterDamage("term");
    const n3 = c.state("n3");
    c.step("n3", {
      kind: "message",
      from: "n1",
      msg: {
        type: "snapshot",
        term: 1,
        snapshot: { lastIndex: 2, lastTerm: 1, kv: [["k", "from-n1"]], sessions: [], voters: ["n1", "n2", "n3"] },
      },
    });
    expect(n3.log.base).toBe(0);
    expect(c.log("n3")).toEqual(["noop1", "noop2", "r20"]);
    expect(n3.term).toBe(0);
  });

  it(
    "a node whose vote alone was damaged keeps its term: it " + "refuses the stale leader and follows the current one",
    () => {
      const { c } = staleLeaderAfterDamage("vote");
      const n3 = c.state("n3");
      expect(n3.term).toBe(2);
      expect(c.log("n3")).toEqual(["noop1", "noop2", "r20"]);
      expect(c.state("n1").commit).toBe(1);
      c.fire("n2", "heartbeat");
      c.deliver(amongst("n2", "n3"));
      c.client("n2", 21, "k", "again");
      c.deliver(amongst("n2", "n3"));
      expect(c.log("n3")).toEqual(["noop1", "noop2", "r20", "r21"]);
      expect(c.state("n2").commit).toBe(4);
      expect(n3.votedFor).toBe(null); // and it still refuses to vote
      expect(c.violations).toEqual([]);
    },
  );
});
