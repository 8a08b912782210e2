import { describe, expect, it } from "vitest";
import type { ThreePcMsg } from "../../../protocols/threepc/messages.ts";
import { threePc } from "../../../protocols/threepc/index.ts";
import { all, Cluster, ofType, type Sent, to } from "../cluster.ts";

const ids = ["c", "p1", "p2", "p3"];
const options = { replicas: 3, voteTimeoutMicros: 100_000, decisionTimeoutMicros: 200_000, retryMicros: 50_000 };
const cluster = (bugs: string[] = []) => new Cluster(threePc, ids, options, bugs);
type ThreePcCluster = ReturnType<typeof cluster>;
/** Each participant's phase of transaction 1.1 ("down" while it is down). */
const phases = (c: ThreePcCluster) => ["p1", "p2", "p3"].map((p) => c.states.get(p)?.ptxns.get("1.1")?.phase ?? "down");

/**
 * Transaction 1.1 (write k=v) at the coordinator, its messages delivered round by round: the prepares, then the
 * votes, then the precommits, up to and including `last`.
 */
function txnThrough(last: "prepare" | "vote" | "precommit", bugs: string[] = []): ThreePcCluster {
  const c = cluster(bugs);
  c.request("c", 1, { f: "write", key: "k", value: "v" });
  for (const round of ["prepare", "vote", "precommit"]) {
    c.deliver(ofType(round));
    if (round === last) break;
  }
  return c;
}

/** Run the cluster for `micros`, delivering every message at once except those `blocked` (dropped). */
function run(c: ThreePcCluster, micros: number, blocked: (m: Sent<ThreePcMsg>) => boolean = () => false): void {
  const open = (m: Sent<ThreePcMsg>) => !blocked(m);
  for (let t = 0; t < micros; t += 10_000) {
    c.deliver(open);
    c.drop(blocked);
    c.advance(10_000);
  }
  c.deliver(open);
  c.drop(blocked);
}

/** Run the cluster for `micros` (as `run`), then each participant's phase of transaction 1.1 ("down" if it is). */
function phasesAfter(c: ThreePcCluster, micros: number, blocked?: (m: Sent<ThreePcMsg>) => boolean): string[] {
  run(c, micros, blocked);
  return phases(c);
}

describe("3pc node without an engine", () => {
  it("commits only after every participant acknowledged the precommit", () => {
    const c = txnThrough("vote");
    expect(c.queued()).toEqual(["c>p1:precommit", "c>p2:precommit", "c>p3:precommit"]);
    c.deliver(ofType("precommit"));
    expect(phases(c)).toEqual(["precommitted", "precommitted", "precommitted"]);
    expect(c.disks.get("p1")?.read("p:1.1")).toMatchObject({ precommitted: true });
    c.deliver(all(ofType("ack"), (m) => m.from !== "p3"));
    expect(c.replyTo(1)).toBeUndefined();
    c.deliver(ofType("ack"));
    expect(c.replyTo(1)).toEqual({ type: "ok", value: null });
    c.deliver();
    expect(phases(c)).toEqual(["commit", "commit", "commit"]);
    expect(c.violations).toEqual([]);
  });

  it(
    "terminates without the coordinator: all precommitted -> the first participant commits as recovery " +
      "coordinator",
    () => {
      const c = txnThrough("precommit");
      c.crash("c");
      expect(phasesAfter(c, 300_000)).toEqual(["commit", "commit", "commit"]);
      expect(c.notes).toContainEqual({ node: "p1", text: "recovery coordinator", data: { txn: "1.1", round: 0 } });
      expect(c.state("p2").kv.get("k")).toBe("v");
      expect(c.violations).toEqual([]);
    },
  );

  it("terminates without the coordinator: all uncertain -> abort", () => {
    const c = txnThrough("prepare");
    c.crash("c");
    expect(phasesAfter(c, 300_000)).toEqual(["abort", "abort", "abort"]);
    expect(c.violations).toEqual([]);
  });

  it("passes the turn to the next participant when the recovery coordinator of a slot is down", () => {
    const c = txnThrough("precommit");
    c.crash("c");
    c.crash("p1");
    run(c, 500_000);
    expect(c.notes.filter((n) => n.text === "recovery coordinator")).toEqual([
      { node: "p2", text: "recovery coordinator", data: { txn: "1.1", round: 1 } },
    ]);
    expect(phases(c)).toEqual(["down", "commit", "commit"]);
    // p1 restarts precommitted and undecided: it may not decide alone; it asks and learns the commit
    c.restart("p1");
    expect(c.state("p1").ptxns.get("1.1")).toMatchObject({ phase: "precommitted", recovering: true });
    expect(phasesAfter(c, 100_000)).toEqual(["commit", "commit", "commit"]);
    expect(c.violations).toEqual([]);
  });

  it("brings uncertain participants to precommitted before a recovery commit", () => {
    const c = txnThrough("vote");
    c.drop(all(ofType("precommit"), to("p2", "p3")));
    c.deliver(ofType("precommit"));
    c.crash("c");
    // p1 (precommitted) recovers in slot 0: p2 and p3 are uncertain, so it sends them precommit first
    run(c, 300_000);
    const recovery = c.sent
      .filter((m) => m.from === "p1" && (m.msg.type === "precommit" || m.msg.type === "commit"))
      .map((m) => `${m.to}:${m.msg.type}`);
    expect(recovery.slice(0, 2)).toEqual(["p2:precommit", "p3:precommit"]);
    expect(phases(c)).toEqual(["commit", "commit", "commit"]);
    expect(c.violations).toEqual([]);
  });

  it("answers a restarted participant that alone voted yes with abort from those who never voted", () => {
    const c = cluster();
    c.request("c", 1, { f: "write", key: "k", value: "v" });
    c.drop(all(ofType("prepare"), to("p2", "p3")));
    c.deliver(ofType("prepare"));
    c.crash("c");
    c.crash("p1");
    c.restart("p1");
    expect(phasesAfter(c, 100_000)).toEqual(["abort", "abort", "abort"]);
    expect(c.violations).toEqual([]);
  });
});

describe("3pc total failure", () => {
  it("lets participants that all restarted undecided decide once the coordinator says it has no record", () => {
    const c = txnThrough("vote");
    c.drop(all(ofType("precommit"), to("p1")));
    c.deliver(ofType("precommit")); // p2, p3 precommitted; p1 uncertain
    for (const id of ids) c.crash(id);
    for (const id of ["p1", "p2", "p3"]) c.restart(id);
    // the coordinator is still down: nobody may decide
    expect(phasesAfter(c, 300_000)).toEqual(["uncertain", "precommitted", "precommitted"]);
    c.restart("c");
    expect(phasesAfter(c, 100_000)).toEqual(["commit", "commit", "commit"]);
    expect(c.notes.some((n) => n.text === "decide" && String(n.data?.reason).startsWith("total failure"))).toBe(true);
    expect(c.violations).toEqual([]);
  });

  it("stays blocked while one participant is still down", () => {
    const c = txnThrough("vote");
    for (const id of ids) c.crash(id);
    for (const id of ["c", "p1", "p2"]) c.restart(id);
    expect(phasesAfter(c, 500_000)).toEqual(["uncertain", "uncertain", "down"]);
    c.restart("p3");
    expect(phasesAfter(c, 100_000)).toEqual(["abort", "abort", "abort"]);
    expect(c.violations).toEqual([]);
  });
});

describe("3pc planted bugs, driven by hand", () => {
  it("skip-precommit commits while the participants are still uncertain", () => {
    const c = txnThrough("vote", ["skip-precommit"]);
    expect(c.violations[0]).toBe(
      "no-commit-while-uncertain: c committed transaction 1.1 while p1 was still uncertain (voted yes, not " +
        "precommitted)",
    );
  });

  it("independent-recovery commits from the local log what the others aborted while it was down", () => {
    const scenario = (bugs: string[]) => {
      const c = txnThrough("vote", bugs);
      c.drop(all(ofType("precommit"), to("p2", "p3")));
      c.deliver(ofType("precommit")); // p1 precommitted, then p1 and c crash
      c.crash("p1");
      c.crash("c");
      run(c, 500_000); // p2 (recovery coordinator of slot 1) sees p2, p3 uncertain: abort
      c.restart("p1");
      run(c, 100_000);
      return c;
    };
    const buggy = scenario(["independent-recovery"]);
    expect(buggy.violations).toContain("atomicity: transaction 1.1 was decided abort at p2 but commit at p1");
    const correct = scenario([]);
    expect(phases(correct)).toEqual(["abort", "abort", "abort"]);
    expect(correct.violations).toEqual([]);
  });
});

describe("3pc under a network partition (a known limit of the protocol, not a bug)", () => {
  it("decides commit on one side of a cut and abort on the other", () => {
    const c = txnThrough("vote");
    const sideA = ["c", "p1"];
    const crossing = (m: Sent<ThreePcMsg>) => sideA.includes(m.from) !== sideA.includes(m.to);
    // the cut falls between the votes and the precommit: only p1 hears it
    expect(phasesAfter(c, 600_000, crossing)).toEqual(["commit", "abort", "abort"]);
    expect(c.replyTo(1)).toEqual({ type: "ok", value: null }); // the coordinator adopted p1's commit
    expect(c.violations).toContain(
      "no-commit-while-uncertain: p1 committed transaction 1.1 while p2 was still uncertain (voted yes, not" +
        " precommitted)",
    );
    expect(c.violations).toContain("atomicity: transaction 1.1 was decided commit at p1 but abort at p2");
  });
});
