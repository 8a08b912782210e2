import { describe, expect, it } from "vitest";
import { roundOf } from "../../../protocols/paxos/ballot.ts";
import { all, amongst, Cluster, elect, from, ofType, to } from "./harness.ts";

describe("paxos node without an engine", () => {
  it("elects a leader with phase 1, then chooses later slots with phase 2 alone", () => {
    const c = new Cluster(3);
    elect(c, "n1", ["n2", "n3"]);
    expect(c.state("n1").phase).toBe("proposing");
    expect(c.state("n2").leader).toBe(null); // nobody has heard an accept or heartbeat yet
    const sentBefore = c.sent.length;
    c.write("n1", 1, "k", "v1");
    c.fire("n1", "flush");
    c.deliver();
    const types = c.sent.slice(sentBefore).map((m) => m.msg.type);
    expect(types).not.toContain("prepare");
    expect(types).toContain("accept");
    expect(c.replyTo(1)).toEqual({ type: "ok", value: null });
    for (const id of c.ids) expect(c.learned(id)).toEqual(["r1"]);
    expect(c.state("n2").leader).toBe("n1");
    expect(c.violations).toEqual([]);
  });

  it("syncs an acceptor's promise before the promise is sent, and keeps it across a restart", () => {
    const c = new Cluster(3);
    c.fire("n1", "election");
    const ballot = c.state("n1").ballot;
    c.deliver(all(from("n1"), to("n2")));
    expect(c.queued(from("n2"))).toEqual(["n2>n1:promise"]);
    expect(c.disks.get("n2")?.read("promised")).toBe(ballot);
    c.crash("n2");
    c.restart("n2");
    expect(c.state("n2").promised).toBe(ballot);
    expect(c.violations).toEqual([]);
  });

  it("refuses a ballot below the promised one with a nack naming the promise", () => {
    const c = new Cluster(3);
    c.fire("n1", "election");
    const low = c.state("n1").ballot;
    c.fire("n2", "election"); // n2 has seen nothing: same round, higher proposer index
    const high = c.state("n2").ballot;
    expect(high).toBeGreaterThan(low);
    c.deliver(all(from("n2"), to("n3")));
    c.deliver(all(from("n1"), to("n3")));
    const nack = c.sent.find((m) => m.from === "n3" && m.to === "n1" && m.msg.type === "nack");
    expect(nack?.msg).toEqual({ type: "nack", ballot: low, promised: high });
  });

  it("adopts the value of the highest accepted ballot reported in the promises (basic mode)", () => {
    const c = new Cluster(5, { mode: "basic" });
    c.write("n1", 1, "k", "from-n1");
    c.fire("n1", "flush");
    c.deliver(ofType("prepare", "promise"));
    // n1's accept reaches n2 alone: not chosen, but accepted by one acceptor
    c.deliver(all(ofType("accept"), to("n2")));
    c.drop(ofType("accept", "accepted"));
    expect(c.learned("n1")).toEqual([]);
    c.write("n5", 2, "k", "from-n5");
    c.fire("n5", "flush");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
    // n5 proposes n1's value in slot 1 and its own in slot 2
    expect(c.learned("n5")).toEqual(["r1", "r2"]);
    expect(c.replyTo(2)).toEqual({ type: "ok", value: null });
    expect(c.state("n5").kv.get("k")).toBe("from-n5");
    expect(c.violations).toEqual([]);
  });

  it("has a new leader re-propose accepted values of unchosen slots and fill the gaps with no-ops", () => {
    const c = new Cluster(5);
    elect(c, "n1", ["n2", "n3", "n4", "n5"]);
    for (const [requestId, reach] of [
      [1, ["n2", "n3", "n4", "n5"]],
      [2, []],
      [3, ["n2"]],
    ] as const) {
      c.write("n1", requestId, "k", `v${requestId}`);
      c.fire("n1", "flush");
      c.deliver(all(ofType("accept"), to(...reach)));
      c.drop(ofType("accept"));
    }
    c.drop(ofType("accepted"));
    c.crash("n1");
    elect(c, "n3", ["n2", "n4", "n5"]);
    c.deliver();
    // slot 1 was accepted by a majority, slot 2 by nobody (a gap), slot 3 by n2 alone
    expect(c.learned("n3")).toEqual(["r1", "noop", "r3"]);
    expect(c.learned("n5")).toEqual(["r1", "noop", "r3"]);
    expect(c.violations).toEqual([]);
  });

  it("learns a value only once a majority of acceptors accepted it", () => {
    const c = new Cluster(5);
    elect(c, "n1", ["n2", "n3", "n4", "n5"]);
    c.write("n1", 1, "k", "v");
    c.fire("n1", "flush");
    c.deliver(all(ofType("accept"), to("n2", "n3", "n4"))); // n5, a learner here, does not accept
    c.deliver(all(ofType("accepted"), from("n1", "n2"), to("n5")));
    expect(c.learned("n5")).toEqual([]);
    c.deliver(all(ofType("accepted"), from("n3"), to("n5")));
    expect(c.learned("n5")).toEqual(["r1"]);
  });

  it("never reruns a ballot after a restart, even a proposer that is no acceptor", () => {
    const c = new Cluster(4, { acceptors: ["n1", "n2", "n3"] });
    c.fire("n4", "election");
    const first = c.state("n4").ballot;
    c.drop();
    c.crash("n4");
    c.restart("n4");
    c.fire("n4", "election");
    expect(roundOf(c.state("n4").ballot)).toBeGreaterThan(roundOf(first));
  });

  it("applies a retried request once and answers the retry from the session", () => {
    const c = new Cluster(3);
    elect(c, "n1", ["n2", "n3"]);
    const append = { f: "append", key: "k", value: "x" } as const;
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: append });
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: append });
    c.fire("n1", "flush");
    c.deliver();
    c.step("n1", { kind: "client", requestId: 5, clientId: "c1", op: append });
    expect(c.state("n1").kv.get("k")).toBe("x");
    expect(c.learned("n1")).toEqual(["r5"]);
    expect(c.replies.filter((r) => r.requestId === 5).map((r) => r.reply)).toEqual([
      { type: "ok", value: null },
      { type: "ok", value: null },
    ]);
  });

  it("backs off for a randomized time after a preemption (basic mode)", () => {
    const c = new Cluster(3, { mode: "basic", backoffMinMicros: 10_000, backoffMaxMicros: 20_000 });
    c.fire("n2", "election"); // basic mode has no election timer armed; fired by hand, it is a plain round
    c.deliver(all(from("n2"), to("n3")));
    c.drop();
    c.write("n1", 1, "k", "v");
    c.fire("n1", "flush");
    c.deliver(amongst("n1", "n3"));
    expect(c.state("n1").phase).toBe("idle");
    const due = c.timers.get("n1")?.get("retry");
    expect(due).toBeGreaterThanOrEqual(c.now + 10_000);
    expect(due).toBeLessThanOrEqual(c.now + 20_000);
    c.advance(20_000);
    c.deliver();
    expect(c.replyTo(1)).toEqual({ type: "ok", value: null });
  });

  it("redirects a client from a follower to the leader it follows", () => {
    const c = new Cluster(3);
    elect(c, "n1", ["n2", "n3"]);
    c.fire("n1", "heartbeat");
    c.deliver();
    c.write("n2", 1, "k", "v");
    expect(c.replyTo(1)).toEqual({ type: "redirect", leader: "n1" });
  });

  it("catches a restarted learner up from its peers", () => {
    const c = new Cluster(3);
    elect(c, "n1", ["n2", "n3"]);
    for (let r = 1; r <= 3; r++) {
      c.write("n1", r, "k", `v${r}`);
      c.fire("n1", "flush");
      c.deliver();
    }
    c.crash("n3");
    c.restart("n3");
    expect(c.learned("n3")).toEqual([]);
    c.fire("n1", "heartbeat");
    c.deliver();
    c.fire("n3", "catchup");
    c.deliver();
    expect(c.learned("n3")).toEqual(["r1", "r2", "r3"]);
    expect(c.state("n3").kv.get("k")).toBe("v3");
  });
});
