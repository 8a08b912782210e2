import { describe, expect, it } from "vitest";
import type { RaftState } from "../../../protocols/raft/state.ts";
import { amongst, between, Cluster, type Sent } from "./harness.ts";

const isVote = (m: Sent) => m.msg.type === "vote" || m.msg.type === "vote-resp";

/** Entry ids of the config entries in a node's log. */
function configs(c: Cluster, id: string): string[] {
  return c.log(id).filter((e) => e.startsWith("cfg"));
}

describe("raft membership changes", () => {
  /**
   * Ongaro's single-server membership bug (raft-dev, 2015): a leader of a new term must not append a config entry
   * before it has committed an entry of its own term. Voters n1-n4. n3 leads term 1 and appends "add n5" (C1, five
   * voters), which reaches n5 only. n1 wins term 2 under the old config and proposes "remove n4" (C2 = n1-n3) before
   * its no-op commits; n1 and n2 are a majority of C2, so without the rule C2 and the no-op commit. n3 then wins term 3
   * with n4 and n5, a majority of C1, and overwrites both: C1 and C2 have disjoint majorities. The two leaders get
   * different change lists here (each node's options are its own), as two operators could ask for.
   */
  it("a new leader proposes a change only after committing an entry of its term (2015 single-server bug)", () => {
    const c = new Cluster(5, { preVote: false, checkQuorum: false, batchMicros: 0, voters: ["n1", "n2", "n3", "n4"] });
    const setChanges = (id: string, reconfigure: RaftState["o"]["reconfigure"]) => {
      const s = c.state(id);
      s.o = { ...s.o, reconfigure };
    };
    setChanges("n3", [{ atMicros: 0, add: "n5" }]);
    setChanges("n1", [{ atMicros: 0, remove: "n4" }]);
    c.fire("n3", "election");
    c.deliver(amongst("n1", "n2", "n3", "n4"));
    expect(c.state("n3")).toMatchObject({ role: "leader", term: 1, commit: 1 });
    c.fire("n3", "heartbeat"); // noop1 is committed: n3 proposes "add n5"
    c.deliver(between(["n3"], ["n5"]));
    c.deliver(between(["n5"], ["n3"]));
    c.drop();
    expect(configs(c, "n3")).toEqual(["cfg1.2"]);
    expect(configs(c, "n5")).toEqual(["cfg1.2"]);

    c.fire("n1", "election");
    c.deliver((m) => amongst("n1", "n2", "n4")(m) && isVote(m));
    expect(c.state("n1")).toMatchObject({ role: "leader", term: 2 });
    c.drop(); // n1's no-op reaches nobody yet
    c.fire("n1", "heartbeat");
    c.deliver(amongst("n1", "n2"));
    c.drop();
    // Term 2 has committed nothing of its own when this heartbeat fires: no config entry may be appended.
    expect(configs(c, "n1")).toEqual([]);

    c.crash("n3"); // n3 (still leading term 1, cut off) restarts and campaigns
    c.restart("n3");
    expect(c.state("n3").voters).toHaveLength(5);
    c.fire("n3", "election"); // term 2 is taken: n3 learns it
    c.deliver(amongst("n3", "n4", "n5"));
    c.fire("n3", "election");
    c.deliver((m) => amongst("n3", "n4", "n5")(m) && isVote(m));
    expect(c.state("n3")).toMatchObject({ role: "leader", term: 3 });
    for (let k = 0; k < 3; k++) {
      c.fire("n3", "heartbeat");
      c.deliver();
    }
    expect(c.violations).toEqual([]);
    expect(c.state("n3").voters).toEqual(["n1", "n2", "n3", "n4", "n5"]);
  });

  it("the leader proposes its change once its no-op of the term is committed", () => {
    const c = new Cluster(4, {
      preVote: false,
      checkQuorum: false,
      batchMicros: 0,
      voters: ["n1", "n2", "n3"],
      reconfigure: [{ atMicros: 0, add: "n4" }],
    });
    c.fire("n1", "election");
    c.deliver((m) => isVote(m));
    c.drop();
    c.fire("n1", "heartbeat"); // the no-op is not committed yet
    expect(configs(c, "n1")).toEqual([]);
    c.deliver();
    expect(c.state("n1").commit).toBe(1);
    c.fire("n1", "heartbeat");
    c.deliver();
    expect(configs(c, "n1")).toHaveLength(1);
    expect(c.state("n1").voters).toEqual(["n1", "n2", "n3", "n4"]);
    expect(c.violations).toEqual([]);
  });

  /**
   * The position in the reconfigure list is the step of the config in force (recorded in its entry, or the snapshot),
   * not a volatile counter: a restarted leader, or another node elected later, carries on where the list stands
   * instead of replaying it from the start (here "remove n4" again, after it was undone by "add n4").
   */
  for (const snapshotEvery of [0, 1]) {
    for (const next of ["n1", "n2"]) {
      it(
        `a later leader (${next === "n1" ? "the same node, restarted" : "another node"}) carries on where the` +
          ` change list stands (snapshotEvery ${snapshotEvery})`,
        () => {
          const reconfigure = [
            { atMicros: 0, remove: "n4" },
            { atMicros: 0, add: "n4" },
            { atMicros: 5_000_000, add: "n5" },
          ];
          const c = new Cluster(5, {
            preVote: false,
            checkQuorum: false,
            batchMicros: 0,
            snapshotEvery,
            voters: ["n1", "n2", "n3", "n4"],
            reconfigure,
          });
          c.fire("n1", "election");
          c.deliver();
          for (let k = 0; k < 4; k++) {
            c.fire("n1", "heartbeat");
            c.deliver();
          }
          expect(
            c.notes.filter((n) => n.text.startsWith("membership change proposed")).map((n) => n.data?.voters),
          ).toEqual([
            ["n1", "n2", "n3"],
            ["n1", "n2", "n3", "n4"],
          ]);
          c.crash("n1");
          if (next === "n1") c.restart("n1");
          c.fire(next, "election");
          c.deliver();
          expect(c.state(next).role).toBe("leader");
          for (let k = 0; k < 4; k++) {
            c.fire(next, "heartbeat");
            c.deliver();
          }
          expect(c.state(next).voters).toEqual(["n1", "n2", "n3", "n4"]);
          expect(c.notes.filter((n) => n.text.startsWith("membership change proposed"))).toHaveLength(2);
          c.now = 5_000_000;
          for (let k = 0; k < 3; k++) {
            c.fire(next, "heartbeat");
            c.deliver();
          }
          expect(
            c.notes.filter((n) => n.text.startsWith("membership change proposed")).map((n) => n.data?.voters),
          ).toEqual([
            ["n1", "n2", "n3"],
            ["n1", "n2", "n3", "n4"],
            ["n1", "n2", "n3", "n4", "n5"],
          ]);
          expect(c.state(next).voters).toEqual(["n1", "n2", "n3", "n4", "n5"]);
          expect(c.violations).toEqual([]);
        },
      );
    }
  }
});
