import { describe, expect, it } from "vitest";
import { amongst, Cluster, elect } from "./harness.ts";

/**
 * n1 leads n2 and n3 with snapshots every 2 entries; n3 hears nothing while n1 commits and compacts six writes with
 * n2, so n3 needs the snapshot. Then n1's snapshot is corrupted at rest, and n3 is reachable again.
 */
function strandedBehindDamagedSnapshot(): Cluster {
  const c = new Cluster(3, { snapshotEvery: 2, batchMicros: 0, preVote: false });
  elect(c, "n1", ["n2", "n3"]);
  c.deliver();
  expect(c.state("n1").role).toBe("leader");
  for (let r = 1; r <= 6; r++) {
    c.client("n1", r, "k", `v${r}`);
    c.deliver(amongst("n1", "n2"));
    c.drop();
  }
  c.fire("n1", "heartbeat");
  c.deliver(amongst("n1", "n2"));
  c.drop();
  const n1 = c.state("n1");
  expect(n1.commit).toBe(7);
  expect(n1.log.base).toBeGreaterThan(c.state("n3").log.lastIndex);
  expect(c.disks.get("n1")?.corrupt("snapshot", () => 0)).toBe("snapshot");
  return c;
}

describe("raft with a damaged snapshot on the leader", () => {
  it("rebuilds the snapshot from its state machine, so a follower behind the compacted prefix still catches up", () => {
    const c = strandedBehindDamagedSnapshot();
    const sentBefore = c.sent.length;
    c.fire("n1", "heartbeat");
    c.deliver();
    c.fire("n1", "heartbeat");
    c.deliver();
    const toN3 = c.sent.slice(sentBefore).filter((m) => m.from === "n1" && m.to === "n3");
    expect(toN3.some((m) => m.msg.type === "snapshot")).toBe(true);
    expect(c.state("n3").commit).toBe(c.state("n1").commit);
    expect(c.state("n3").kv.get("k")).toBe("v6");
    expect(c.notes.some((n) => n.node === "n1" && n.text.includes("failed its checksum"))).toBe(true);
    expect(c.violations).toEqual([]);
    // The rebuilt snapshot is written over the damaged one: a restart reads it intact.
    c.crash("n1");
    c.restart("n1");
    expect(c.state("n1").damaged).toBe(false);
    expect(c.state("n1").kv.get("k")).toBe("v6");
  });
});
