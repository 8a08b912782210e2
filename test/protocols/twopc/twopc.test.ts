import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { replicasOf } from "../../../protocols/commit/shard.ts";
import { HashRing } from "../../../protocols/kv/ring.ts";
import { twoPc } from "../../../protocols/twopc/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { all, Cluster, from, ofType, to } from "../cluster.ts";

const ids = ["c", "p1", "p2"];
const cluster = (options: Record<string, unknown> = {}, bugs: string[] = []) =>
  new Cluster(twoPc, ids, { replicas: 2, ...options }, bugs);
type TwoPcCluster = ReturnType<typeof cluster>;
const write = (key: string, value: string) => ({ f: "write" as const, key, value });

/** Transaction 1.1 (write k=v): both participants vote yes, and the commit reaches p1 but is lost on the way to p2. */
function commitLostToP2(c: TwoPcCluster): void {
  c.request("c", 1, write("k", "v"));
  c.deliver(ofType("prepare"));
  c.deliver(ofType("vote"));
  c.drop(all(ofType("commit"), to("p2")));
  c.deliver(ofType("commit"));
}

/** The coordinator crashes and restarts, with nothing left in flight. */
function restartCoordinator(c: TwoPcCluster): void {
  c.crash("c");
  c.drop();
  c.restart("c");
}

describe("2pc node without an engine", () => {
  it("commits a write on every replica once all vote yes, syncing the decision before sending it", () => {
    const c = cluster();
    c.request("c", 1, write("k", "v1"));
    expect(c.queued()).toEqual(["c>p1:prepare", "c>p2:prepare"]);
    c.deliver(ofType("prepare"));
    expect(c.disks.get("p1")?.read("p:1.1")).toMatchObject({ key: "k" }); // the vote is durable before it is sent
    expect(c.queued()).toEqual(["p1>c:vote", "p2>c:vote"]);
    c.deliver(ofType("vote"));
    expect(c.replyTo(1)).toEqual({ type: "ok", value: null });
    expect(c.notes).toContainEqual({
      node: "c",
      text: "decide",
      data: { txn: "1.1", decision: "commit", reason: "every participant voted yes" },
    });
    // crash the coordinator right after: the commit record survives (it was synced before the commits went out)
    c.crash("c");
    expect(c.disks.get("c")?.read("dec:1.1")).toMatchObject({ decision: "commit" });
    c.deliver(ofType("commit"));
    for (const p of ["p1", "p2"]) {
      expect(c.state(p).kv.get("k")).toBe("v1");
      expect(c.state(p).locks.size).toBe(0);
    }
    expect(c.violations).toEqual([]);
  });

  it("redirects clients from a participant to the coordinator", () => {
    const c = cluster();
    c.request("p1", 1, write("k", "v"));
    expect(c.replyTo(1)).toEqual({ type: "redirect", leader: "c" });
  });

  it("aborts when a participant votes no, and answers the client with fail", () => {
    const c = cluster({ abortProbability: 1 });
    c.request("c", 1, write("k", "v"));
    c.deliver();
    expect(c.replyTo(1)).toMatchObject({
      type: "fail",
      error: expect.stringMatching(/voted no \(application abort\)/),
    });
    for (const p of ["p1", "p2"]) expect(c.state(p).kv.has("k")).toBe(false);
    expect(c.violations).toEqual([]);
  });

  it("waits for a locked key, then votes no when the wait times out", () => {
    const c = cluster({ lockWaitMicros: 40_000, voteTimeoutMicros: 100_000 });
    c.request("c", 1, write("k", "a"));
    c.deliver(ofType("prepare"));
    c.drop(ofType("vote")); // txn 1 stays prepared, holding the lock
    c.request("c", 2, write("k", "b"));
    c.deliver(ofType("prepare"));
    expect(c.queued()).toEqual([]); // queued for the lock, not voted
    c.advance(40_000);
    expect(c.queued()).toEqual(["p1>c:vote", "p2>c:vote"]);
    c.deliver(ofType("vote"));
    expect(c.replyTo(2)).toMatchObject({ type: "fail", error: expect.stringMatching(/lock wait on k timed out/) });
  });

  it("grants the lock to the next waiter when the holder's decision arrives", () => {
    const c = cluster({ lockWaitMicros: 40_000, voteTimeoutMicros: 100_000 });
    c.request("c", 1, { f: "append", key: "k", value: "a" });
    c.deliver(ofType("prepare"));
    c.request("c", 2, { f: "append", key: "k", value: "b" });
    c.deliver(ofType("prepare"));
    c.deliver();
    expect(c.replyTo(1)?.type).toBe("ok");
    expect(c.replyTo(2)?.type).toBe("ok");
    expect(c.state("p2").kv.get("k")).toBe("a,b");
  });

  it("aborts at the vote timeout when a vote is missing", () => {
    const c = cluster({ voteTimeoutMicros: 100_000 });
    c.request("c", 1, write("k", "v"));
    c.drop(all(ofType("prepare"), to("p2")));
    c.deliver(ofType("prepare"));
    c.deliver(ofType("vote"));
    expect(c.replyTo(1)).toBeUndefined();
    c.advance(100_000);
    expect(c.replyTo(1)).toMatchObject({ type: "fail", error: expect.stringMatching(/vote timeout: no vote from p2/) });
    c.deliver();
    expect(c.state("p1").locks.size).toBe(0);
    expect(c.violations).toEqual([]);
  });

  it("gives a duplicated prepare the same vote and applies a duplicated commit once", () => {
    const c = cluster();
    c.request("c", 1, { f: "append", key: "k", value: "x" });
    c.inbox.push(...c.inbox.filter(ofType("prepare")));
    c.deliver(ofType("prepare"));
    expect(c.queued().filter((q) => q === "p1>c:vote")).toHaveLength(2);
    c.deliver(ofType("vote"));
    c.inbox.push(...c.inbox.filter(ofType("commit")));
    c.deliver();
    expect(c.state("p1").kv.get("k")).toBe("x");
    expect(c.violations).toEqual([]);
  });

  it("keeps a prepared participant's vote and lock across a crash, and it asks the coordinator on restart", () => {
    const c = cluster();
    c.request("c", 1, write("k", "v"));
    c.deliver(ofType("prepare"));
    c.crash("p1");
    c.restart("p1");
    expect(c.state("p1").locks.get("k")).toBe("1.1");
    c.advance(0);
    expect(c.queued(from("p1"))).toEqual(["p1>c:vote", "p1>c:outcome-req"]);
    c.deliver();
    expect(c.state("p1").kv.get("k")).toBe("v");
    expect(c.violations).toEqual([]);
  });

  it("blocks prepared participants while the coordinator is down, then presumes abort after its restart", () => {
    const c = cluster({ decisionTimeoutMicros: 200_000, retryMicros: 50_000 });
    c.request("c", 1, write("k", "v"));
    c.deliver(ofType("prepare"));
    c.crash("c");
    c.drop(to("c"));
    c.advance(1_000_000);
    // blocked: both still prepared, holding the lock, asking over and over
    for (const p of ["p1", "p2"])
      expect(c.state(p).ptxns.get("1.1")).toMatchObject({ phase: "prepared", asking: true });
    expect(c.sent.filter(ofType("outcome-req")).length).toBeGreaterThan(20);
    c.drop();
    c.restart("c");
    expect(c.state("c").epoch).toBe(2);
    c.advance(50_000);
    c.deliver();
    for (const p of ["p1", "p2"]) expect(c.state(p).ptxns.get("1.1")?.phase).toBe("abort");
    expect(
      c.notes.some(
        (n) => n.node === "c" && n.data?.decision === "abort" && String(n.data?.reason).includes("presumed abort"),
      ),
    ).toBe(true);
    expect(c.violations).toEqual([]);
  });

  it("re-sends a logged commit after the coordinator restarts", () => {
    const c = cluster();
    commitLostToP2(c);
    restartCoordinator(c);
    c.advance(0);
    // the log does not say who acknowledged (only that not everyone did): every participant gets it again
    expect(c.queued()).toEqual(["c>p1:commit", "c>p2:commit"]);
    c.deliver();
    expect(c.state("p2").kv.get("k")).toBe("v");
    expect(c.violations).toEqual([]);
  });

  it("places each key on `replicas` participants chosen by hashing the key, the same on every node", () => {
    const ps = ["p1", "p2", "p3", "p4"];
    const sets = new Set<string>();
    for (let k = 0; k < 50; k++) {
      const r = replicasOf(`k${k}`, ps, 2);
      expect(r).toHaveLength(2);
      expect(replicasOf(`k${k}`, ps, 2)).toEqual(r);
      sets.add(r.join(","));
    }
    expect(sets.size).toBeGreaterThan(2);
    expect(replicasOf("k", ps, 9)).toEqual(ps);
  });

  it("with placement ring, places each key on its consistent-hash ring owners, in topology order", () => {
    const ps = ["p1", "p2", "p3", "p4"];
    const ring = new HashRing(ps, 16);
    let differs = 0;
    for (let k = 0; k < 50; k++) {
      const r = replicasOf(`k${k}`, ps, 2, "ring", 16);
      expect(r).toEqual([...ring.owners(`k${k}`, 2)].sort());
      if (r.join() !== replicasOf(`k${k}`, ps, 2).join()) differs++;
    }
    expect(differs).toBeGreaterThan(0);
    expect(replicasOf("k", ps, 9, "ring")).toEqual(ps);
  });
});

/** Each planted bug on a schedule that shows it, with what the checks report; the same schedule passes without it. */
const plantedBugs: {
  bug: string;
  shows: string;
  options: Record<string, unknown>;
  schedule: (c: TwoPcCluster) => void;
  violations: string[];
  withoutBug?: (c: TwoPcCluster) => void;
}[] = [
  {
    bug: "commit-on-timeout",
    shows: "commits a transaction a participant never voted for",
    options: { voteTimeoutMicros: 100_000 },
    schedule: (c) => {
      c.request("c", 1, write("k", "v"));
      c.drop(all(ofType("prepare"), to("p2")));
      c.deliver(ofType("prepare"));
      c.deliver(ofType("vote"));
      c.advance(100_000);
    },
    violations: ["commit-validity: c committed transaction 1.1 but p2 never voted yes"],
  },
  {
    bug: "decision-not-logged",
    shows: "loses the commit in a crash: the restarted coordinator presumes abort",
    options: { decisionTimeoutMicros: 200_000 },
    schedule: (c) => {
      commitLostToP2(c);
      restartCoordinator(c); // before the group-commit flush
      c.advance(200_000);
      c.deliver();
    },
    violations: [
      "decision-stability: c decided transaction 1.1 commit, then abort",
      "atomicity: transaction 1.1 was decided commit at c but abort at p2",
    ],
    withoutBug: (c) => expect(c.state("p2").kv.get("k")).toBe("v"),
  },
  {
    bug: "participant-abort-after-yes",
    shows: "aborts a prepared transaction that the coordinator commits",
    options: { decisionTimeoutMicros: 200_000 },
    schedule: (c) => {
      commitLostToP2(c);
      c.advance(200_000);
    },
    violations: ["atomicity: transaction 1.1 was decided commit at c but abort at p2"],
  },
];

describe("2pc planted bugs, driven by hand", () => {
  for (const { bug, shows, options, schedule, violations, withoutBug } of plantedBugs) {
    it(`${bug} ${shows}`, () => {
      const c = cluster(options, [bug]);
      schedule(c);
      expect(c.violations).toEqual(violations);
    });

    it(`the ${bug} schedule passes without the bug`, () => {
      const c = cluster(options);
      schedule(c);
      expect(c.violations).toEqual([]);
      withoutBug?.(c);
    });
  }
});

describe("2pc options", () => {
  const base = readFileSync(resolve(import.meta.dirname, "../../../scenarios/2pc-basic.yaml"), "utf8");
  const withOptions = (o: string) => base.replace(/options: \{[^}]*\}/, `options: ${o}`);
  it.each([
    ["{ coordinator: n9 }", /protocol\.options\.coordinator: expected a node id of the topology/],
    ["{ replicas: 0 }", /protocol\.options\.replicas: expected a whole number >= 1/],
    ["{ abortProbability: 1.5 }", /protocol\.options\.abortProbability: expected a number in \[0, 1\]/],
    ["{ voteTimeoutMicros: -1 }", /protocol\.options\.voteTimeoutMicros: expected a whole number of microseconds/],
    ["{ lockWaitMicros: 500000 }", /protocol\.options\.lockWaitMicros: expected less than voteTimeoutMicros/],
  ])("rejects %s with the file and the option's path", (opts, error) => {
    expect(() => parseScenario(withOptions(opts), "2pc-basic.yaml", registry)).toThrow(error);
  });
});
