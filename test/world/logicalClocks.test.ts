import { describe, expect, it } from "vitest";
import {
  compareHlc,
  compareVectors,
  HybridLogicalClock,
  LamportClock,
  VectorClock,
} from "../../sim/world/logicalClocks.ts";

describe("logical clocks", () => {
  it("a Lamport receive is later than both the local time and the message's", () => {
    const a = new LamportClock();
    const b = new LamportClock();
    a.tick();
    const stamp = a.tick();
    expect(b.receive(stamp)).toBe(3);
    expect(b.tick()).toBe(4);
  });

  it("vector clocks order causally related events and detect concurrent ones", () => {
    const a = new VectorClock("a");
    const b = new VectorClock("b");
    const sent = a.tick();
    const concurrent = b.tick();
    const received = b.receive(sent);
    expect(compareVectors(sent, received)).toBe(-1);
    expect(compareVectors(received, sent)).toBe(1);
    expect(compareVectors(sent, concurrent)).toBeNull();
    expect(compareVectors(sent, { ...sent })).toBe(0);
  });

  it("a hybrid logical clock never goes backwards, even when the physical clock does", () => {
    const h = new HybridLogicalClock();
    const t1 = h.tick(1000);
    const t2 = h.tick(900); // the physical clock jumped back
    expect(compareHlc(t2, t1)).toBeGreaterThan(0);
    const t3 = h.receive({ wall: 5000, logical: 7 }, 1200); // a message from a node whose clock runs ahead
    expect(t3).toEqual({ wall: 5000, logical: 8 });
    expect(compareHlc(h.tick(1300), t3)).toBeGreaterThan(0);
  });
});
