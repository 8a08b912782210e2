import { describe, expect, it } from "vitest";
import { raftInvariants } from "../../../protocols/raft/invariants.ts";
import { RaftLog } from "../../../protocols/raft/log.ts";
import type { Entry } from "../../../protocols/raft/messages.ts";
import type { RaftOptions } from "../../../protocols/raft/options.ts";
import type { RaftState } from "../../../protocols/raft/state.ts";
import type { InvariantContext } from "../../../sim/core/protocol.ts";
import { amongst, type Cluster, elect, figure8ThroughC } from "./harness.ts";

/**
 * Figure 8 of the Raft paper (harness.ts), then (d): S5 wins and overwrites; here with a snapshot every `snapshotEvery`
 * applied entries.
 */
function figure8(bugs: string[], snapshotEvery: number): Cluster {
  const c = figure8ThroughC(bugs, { snapshotEvery });
  c.crash("n1");
  c.restart("n5");
  for (let i = 0; i < 2; i++) elect(c, "n5", ["n2", "n3", "n4", "n5"]);
  for (let i = 0; i < 2; i++) {
    c.fire("n5", "heartbeat");
    c.deliver(amongst("n2", "n3", "n4", "n5"));
  }
  return c;
}

describe("raft checks", () => {
  it(
    "see entries applied and compacted in the same step " + "(Figure 8 with the commit-old-term bug, snapshotEvery 1)",
    () => {
      const c = figure8(["commit-old-term"], 1);
      // n1 applied r2 at index 2 and compacted it away in the step that committed it; n3 later applied r3 there.
      expect(c.state("n3").kv.get("k")).toBe("from-s5");
      expect(
        c.violations.some((v) => v.startsWith("leader-completeness: leader n5 of term 4 lacks committed entry 2 (r2")),
      ).toBe(true);
      expect(c.violations.some((v) => v.startsWith("state-machine-safety: ") && v.includes("at index 2"))).toBe(true);
    },
  );

  it("and pass the same schedule without the bug", () => {
    const c = figure8([], 1);
    expect(c.state("n5").role).toBe("leader");
    expect(c.violations).toEqual([]);
  });

  /**
   * The engine runs the checks after each step of a node that is up, never for a crashed one, so a restart shows up as
   * a new state object. Two nodes disagree at index 2 (term 1): n2's second incarnation holds and applies y2 where n1
   * applied x2. Per-node cursors left from the first incarnation must not skip it.
   */
  it("re-check a node from its first index after it restarts (a new state object, no call while it was down)", () => {
    const entry = (term: number, id: string): Entry => ({ term, id, cmd: { type: "noop" } });
    const state = (entries: Entry[]) => {
      const log = new RaftLog();
      for (const e of entries) log.append(e);
      return {
        role: "follower",
        term: 2,
        log,
        commit: entries.length,
        applied: entries.length,
      } as unknown as RaftState;
    };
    const checks = raftInvariants.map((inv) => ({ name: inv.name, run: inv.create() }));
    const out: string[] = [];
    const check = (states: (RaftState | undefined)[], i: number) => {
      const ctx = { nodes: ["n1", "n2"], states, now: 0 } as unknown as InvariantContext<RaftState, RaftOptions>;
      for (const k of checks) {
        const v = k.run(ctx, i);
        if (v !== null) out.push(`${k.name}: ${v}`);
      }
    };
    const n1 = state([entry(1, "x1"), entry(1, "x2"), entry(1, "x3")]);
    check([n1, undefined], 0);
    check([n1, state([entry(1, "x1"), entry(1, "x2")])], 1);
    expect(out).toEqual([]);
    check([n1, state([entry(1, "x1"), entry(1, "y2")])], 1); // n2 restarted: a new state, same log version
    expect(out).toEqual([
      "log-matching: logs disagree at index 2 term 1: n2 holds y2 after term 1, another node held x2 after term 1",
      "state-machine-safety: n2 applied y2 at index 2, but n1 applied x2 there",
    ]);
  });
});
