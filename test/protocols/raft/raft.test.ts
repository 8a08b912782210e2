import { describe, expect, it } from "vitest";
import { amongst, Cluster, figure8ThroughC, PLAIN_RAFT as plain, to } from "./harness.ts";

function elect(c: Cluster, id: string, voters: string[]): void {
  c.fire(id, "election");
  c.deliver(amongst(id, ...voters));
  expect(c.state(id).role).toBe("leader");
}

describe("raft node without an engine", () => {
  it("elects the first node whose timer fires, with votes persisted before they are sent", () => {
    const c = new Cluster(3, plain);
    c.fire("n1", "election");
    expect(c.state("n1").role).toBe("candidate");
    expect(c.disks.get("n1")?.read("vote")).toBe("n1");
    c.deliver();
    expect(c.state("n1")).toMatchObject({ role: "leader", term: 1 });
    expect(c.state("n2")).toMatchObject({ role: "follower", term: 1, votedFor: "n1" });
    expect(c.violations).toEqual([]);
  });

  it("grants one vote per term", () => {
    const c = new Cluster(3, plain);
    c.fire("n1", "election");
    c.fire("n2", "election");
    c.deliver(to("n3"));
    expect(c.state("n3").votedFor).toBe("n1");
    c.deliver();
    const leaders = c.ids.filter((id) => c.state(id).role === "leader");
    expect(leaders).toEqual(["n1"]);
  });

  it("replicates, commits and applies client writes, answering the client once committed", () => {
    const c = new Cluster(3, plain);
    elect(c, "n1", ["n2", "n3"]);
    c.client("n1", 7, "k", "v1");
    expect(c.replies).toEqual([]);
    c.deliver();
    expect(c.replies).toEqual([{ node: "n1", requestId: 7, reply: { type: "ok", value: null } }]);
    c.fire("n1", "heartbeat");
    c.deliver();
    for (const id of c.ids) expect(c.state(id).kv.get("k")).toBe("v1");
  });

  it("redirects clients from followers to the leader", () => {
    const c = new Cluster(3, plain);
    elect(c, "n1", ["n2", "n3"]);
    c.fire("n1", "heartbeat");
    c.deliver();
    c.client("n2", 1, "k", "v");
    expect(c.replies).toEqual([{ node: "n2", requestId: 1, reply: { type: "redirect", leader: "n1" } }]);
  });

  it("does not apply a retried request twice", () => {
    const c = new Cluster(3, plain);
    elect(c, "n1", ["n2", "n3"]);
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: { f: "append", key: "k", value: "x" } });
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: { f: "append", key: "k", value: "x" } });
    c.deliver();
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: { f: "append", key: "k", value: "x" } });
    expect(c.state("n1").kv.get("k")).toBe("x");
    expect(c.replies.filter((r) => r.requestId === 5)).toHaveLength(2);
  });

  it("backs up over a whole conflicting term in one round trip", () => {
    const c = new Cluster(3, { ...plain, maxBatch: 1000 });
    elect(c, "n1", ["n2", "n3"]);
    // n1 appends 50 entries only it holds, then loses leadership to n2, which appends 50 others.
    for (let i = 0; i < 50; i++) c.client("n1", 100 + i, "k", `a${i}`);
    c.drop();
    c.crash("n1");
    elect(c, "n2", ["n3"]);
    for (let i = 0; i < 50; i++) c.client("n2", 200 + i, "k", `b${i}`);
    c.deliver();
    c.restart("n1");
    c.fire("n2", "heartbeat");
    let rounds = 0;
    while (c.inbox.length > 0 && rounds < 10) {
      c.deliver(() => true, 1);
      rounds++;
    }
    expect(c.log("n1")).toEqual(c.log("n2"));
    expect(rounds).toBeLessThanOrEqual(4);
    expect(c.violations).toEqual([]);
  });

  it("keeps its term, vote and log across a crash, and loses nothing it acknowledged", () => {
    const c = new Cluster(3, plain);
    elect(c, "n1", ["n2", "n3"]);
    c.client("n1", 1, "k", "v");
    c.deliver();
    c.crash("n2");
    c.restart("n2");
    expect(c.state("n2")).toMatchObject({ term: 1, votedFor: "n1" });
    expect(c.log("n2")).toEqual(c.log("n1"));
  });

  /** Figure 8 of the Raft paper, steps (a) to (c) (harness.ts); the tests below play (d). */
  function figure8(bugs: string[]): Cluster {
    const c = figure8ThroughC(bugs);
    expect(c.state("n1").term).toBe(3);
    return c;
  }

  it("Figure 8: a leader does not commit an entry of an earlier term by counting replicas", () => {
    const c = figure8([]);
    expect(c.log("n3")[1]).toBe("r2");
    // commitIndex is volatile: after its restart n1 may commit nothing until an entry of term 3 is on a majority.
    expect(c.state("n1").commit).toBe(0);
    c.crash("n1");
    c.restart("n5");
    c.fire("n5", "election");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
    c.fire("n5", "election");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
    expect(c.state("n5").role).toBe("leader");
    c.fire("n5", "heartbeat");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
    expect(c.log("n3")[1]).toBe("r3");
    expect(c.violations).toEqual([]);
  });

  it("Figure 8 with the commit-old-term bug: the committed entry is overwritten and the checks say so", () => {
    const c = figure8(["commit-old-term"]);
    expect(c.state("n1").commit).toBe(2);
    c.crash("n1");
    c.restart("n5");
    for (let i = 0; i < 2; i++) {
      c.fire("n5", "election");
      c.deliver(amongst("n2", "n3", "n4", "n5"));
    }
    expect(c.state("n5").role).toBe("leader");
    expect(c.violations.some((v) => v.startsWith("leader-completeness"))).toBe(true);
  });
});
