import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Calendar } from "../../sim/core/calendar.ts";

/** A plain binary min-heap of (time, key, slot), ordered by time then key: the reference the calendar must match. */
class RefHeap {
  private readonly items: [number, number, number][] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: [number, number, number], b: [number, number, number]): boolean {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }
  push(item: [number, number, number]): void {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as [number, number, number], h[p] as [number, number, number])) break;
      [h[i], h[p]] = [h[p] as [number, number, number], h[i] as [number, number, number]];
      i = p;
    }
  }
  peek(): [number, number, number] | undefined {
    return this.items[0];
  }
  pop(): [number, number, number] | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as [number, number, number], h[m] as [number, number, number])) m = l;
        if (r < h.length && this.less(h[r] as [number, number, number], h[m] as [number, number, number])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as [number, number, number], h[i] as [number, number, number]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Drive a calendar and the reference with the same operations: insertions at now + a delay drawn from a mix of
 * scales (the same instant, microseconds, milliseconds, hours, years), removals and peeks, in phases whose density
 * changes (so the calendar resizes and chooses its width anew), with slots reused as the scheduler reuses them.
 */
function drive(seed: number, ops: number, phases: number[][]): void {
  let x = seed | 0 || 1;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const cal = new Calendar(16);
  let capacity = 16;
  const ref = new RefHeap();
  const free: number[] = [];
  let nextSlot = 0;
  let key = 0;
  let now = 0;
  const scales = [0, 1, 50, 1_000, 80_000, 3_600_000_000, 3e13];
  for (let i = 0; i < ops; i++) {
    const phase = phases[Math.floor((i / ops) * phases.length)] as number[];
    const [pInsert = 0.5, scale = 3] = phase;
    const r = rand();
    if (r < pInsert || ref.size === 0) {
      let slot = free.pop();
      if (slot === undefined) {
        slot = nextSlot++;
        if (slot >= capacity) {
          capacity *= 2;
          cal.grow(capacity);
        }
      }
      // mostly the phase's scale, sometimes any scale
      const s = rand() < 0.9 ? (scales[scale] as number) : (scales[Math.floor(rand() * scales.length)] as number);
      const time = now + Math.floor(rand() * s);
      cal.insert(slot, time, key);
      ref.push([time, key, slot]);
      key++;
    } else if (r < pInsert + 0.05) {
      const want = ref.peek() as [number, number, number];
      const got = cal.peekMin();
      expect(got).toBe(want[2]);
    } else {
      const want = ref.pop() as [number, number, number];
      const got = cal.popMin();
      if (got !== want[2]) expect(`op ${i}: slot ${got} (t=${cal.time[got]})`).toBe(`op ${i}: slot ${want[2]} (t=${want[0]})`);
      expect(cal.time[got]).toBe(want[0]);
      now = want[0];
      free.push(got);
    }
    expect(cal.count).toBe(ref.size);
  }
  while (ref.size > 0) {
    const want = ref.pop() as [number, number, number];
    expect(cal.popMin()).toBe(want[2]);
  }
  expect(cal.popMin()).toBe(-1);
  expect(cal.peekMin()).toBe(-1);
}

describe("calendar queue", () => {
  it("takes entries out in (time, key) order through growth, shrinking and changes of density", () => {
    // phases: [probability of an insertion, delay scale index]
    drive(1, 60_000, [
      [0.9, 4], // fill with network-latency delays
      [0.5, 4], // steady
      [0.5, 2], // ten times denser
      [0.5, 0], // everything at the same instant
      [0.5, 5], // hours apart
      [0.2, 3], // drain
      [0.5, 1],
      [0.05, 3], // drain to nearly empty
    ]);
  });

  it("handles a burst of a hundred thousand insertions, then ties and far-future entries", () => {
    drive(7, 250_000, [
      [1, 4],
      [0.5, 4],
      [0.5, 0],
      [0.5, 6],
      [0, 3],
    ]);
  });

  fcTest.prop([fc.integer(), fc.array(fc.tuple(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 6 })], {
    numRuns: 25,
  })("matches a reference heap for any mix of delays and densities", (seed, phases) => {
    drive(seed, 12_000, phases);
  });
});
