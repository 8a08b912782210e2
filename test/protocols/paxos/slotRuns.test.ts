import { describe, expect, it } from "vitest";
import { paxosView } from "../../../protocols/paxos/node.ts";
import { emptySlotRuns, noteLearnedSlot, tailRuns } from "../../../protocols/paxos/slotRuns.ts";
import { Cluster } from "./harness.ts";

describe("slot runs", () => {
  it("extend in order, mark gaps with round 0 and split a gap when its slot is learned", () => {
    const r = emptySlotRuns();
    noteLearnedSlot(r, 1, 3);
    noteLearnedSlot(r, 2, 3);
    noteLearnedSlot(r, 5, 4);
    expect(r.runs).toEqual([
      [1, 3],
      [3, 0],
      [5, 4],
    ]);
    noteLearnedSlot(r, 4, 4);
    expect(r.runs).toEqual([
      [1, 3],
      [3, 0],
      [4, 4],
    ]);
    noteLearnedSlot(r, 3, 3);
    expect(r.runs).toEqual([
      [1, 3],
      [4, 4],
    ]);
    expect(r.last).toBe(5);
  });

  it("hand a view the same frozen tail until they change, and only the last runs asked for", () => {
    const r = emptySlotRuns();
    for (let slot = 1; slot <= 40; slot++) noteLearnedSlot(r, slot, slot);
    const tail = tailRuns(r, 32);
    expect(tail.length).toBe(32);
    expect(tail[0]).toEqual([9, 9]);
    expect(tailRuns(r, 32)).toBe(tail);
    noteLearnedSlot(r, 41, 41);
    expect(tailRuns(r, 32)).not.toBe(tail);
  });

  it("reach the view as logTerms and logLength once a node learns slots", () => {
    const c = new Cluster(3, { mode: "basic" });
    c.write("n1", 1, "k", "X");
    c.fire("n1", "flush");
    c.deliver();
    const v = paxosView(c.state("n2"));
    expect(v.logLength).toBe(1);
    expect(v.logTerms).toEqual([[1, 1]]);
  });
});
