import type { BenchRun, BenchWorkload } from "../types.ts";

/**
 * `ping-5-bare`: ping-5's work without the engine, as the issue that set ping-5's target describes its yardstick ("a
 * bare typed-array heap loop on the same shape of work does 4-6M events/s traced here"). The host this project is
 * measured on is shared and its speed varies by a factor of two or more between days, so the bench table carries
 * this row: ping-5's events/s divided by this one's is a figure of the engine that the host's mood changes far less.
 *
 * Same shape as ping-5: 5 nodes in 3 DCs (node i in DC i % 3), 20 pings in flight per node to random peers, latency
 * uniform 0.2-1 ms within a DC and 30-80 ms between DCs, 1% loss per message recovered by a 250 ms retry timer, 1200
 * simulated seconds. Events (deliveries and timer firings) come from a binary heap over typed arrays ordered by (time,
 * seq); each send, delivery and drop appends a row of varints (kind, time delta, endpoints, message id) to byte blocks
 * kept in memory, as a trace would. No protocol objects, no payload encoding, no checks: a floor, not a simulator.
 */
export function runBarePing(durationMicros = 1_200_000_000): BenchRun {
  const NODES = 5;
  const IN_FLIGHT = 20;
  const RETRY = 250_000;
  const LOSS = 0.01;
  const cap = 1 << 12;
  // Heap entries: time and key (seq * 2^12 + slot); slot data: kind (0 deliver, 1 timer), from, to, id, generation.
  const hTime = new Float64Array(cap);
  const hKey = new Float64Array(cap);
  let size = 0;
  const sKind = new Int32Array(cap);
  const sFrom = new Int32Array(cap);
  const sTo = new Int32Array(cap);
  const sId = new Float64Array(cap);
  const free = new Int32Array(cap);
  let freeCount = 0;
  let nextSlot = 0;
  let seq = 0;
  // Per (node, ping slot): the id of the ping outstanding, when its retry timer is due, and whether the timer has a
  // heap entry. A re-arm only moves the due time; an entry that surfaces early goes back in at the due time (the
  // engine's lazy reschedule), so the heap holds one entry per timer, as ping-5's does.
  const outstanding = new Float64Array(NODES * IN_FLIGHT);
  const timerDue = new Float64Array(NODES * IN_FLIGHT);
  const timerArmed = new Uint8Array(NODES * IN_FLIGHT);
  // xorshift32: the engine's streams are seeded differently; this only needs to be cheap and fixed.
  let rs = 0x9e3779b9 | 0;
  const rnd = (): number => {
    rs ^= rs << 13;
    rs ^= rs >>> 17;
    rs ^= rs << 5;
    return (rs >>> 0) / 4294967296;
  };
  // The trace: varint rows in 8 MiB blocks.
  const blocks: Uint8Array[] = [];
  let buf = new Uint8Array(8 << 20);
  blocks.push(buf);
  let pos = 0;
  let lastT = 0;
  let rows = 0;
  const uv = (v: number): void => {
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = v > 0x7fffffff ? Math.floor(v / 128) : v >>> 7;
    }
    buf[pos++] = v;
  };
  const row = (kind: number, t: number, a: number, b: number, id: number): void => {
    if (pos + 48 > buf.length) {
      buf = new Uint8Array(8 << 20);
      blocks.push(buf);
      pos = 0;
    }
    buf[pos++] = kind;
    uv(t - lastT);
    lastT = t;
    uv(a);
    uv(b);
    uv(id);
    rows++;
  };
  const push = (time: number, kind: number, from: number, to: number, id: number): void => {
    const slot = freeCount > 0 ? (free[--freeCount] as number) : nextSlot++;
    sKind[slot] = kind;
    sFrom[slot] = from;
    sTo[slot] = to;
    sId[slot] = id;
    const key = seq++ * cap + slot;
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hTime[p] as number;
      if (pt < time || (pt === time && (hKey[p] as number) < key)) break;
      hTime[i] = pt;
      hKey[i] = hKey[p] as number;
      i = p;
    }
    hTime[i] = time;
    hKey[i] = key;
  };
  const popTop = (): void => {
    const n = --size;
    const time = hTime[n] as number;
    const key = hKey[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (
        c + 1 < n &&
        ((hTime[c + 1] as number) < (hTime[c] as number) ||
          ((hTime[c + 1] as number) === (hTime[c] as number) && (hKey[c + 1] as number) < (hKey[c] as number)))
      )
        c++;
      const ct = hTime[c] as number;
      if (time < ct || (time === ct && key < (hKey[c] as number))) break;
      hTime[i] = ct;
      hKey[i] = hKey[c] as number;
      i = c;
    }
    hTime[i] = time;
    hKey[i] = key;
  };
  let nextId = 1;
  const latency = (a: number, b: number): number =>
    a % 3 === b % 3 ? 200 + Math.floor(rnd() * 800) : 30_000 + Math.floor(rnd() * 50_000);
  const send = (now: number, from: number, to: number, id: number): void => {
    row(0, now, from, to, id);
    if (rnd() < LOSS) {
      row(2, now, from, to, id);
      return;
    }
    push(now + latency(from, to), 0, from, to, id);
  };
  const ping = (now: number, node: number, slot: number): void => {
    let peer = Math.floor(rnd() * (NODES - 1));
    if (peer >= node) peer++;
    const id = nextId++;
    const k = node * IN_FLIGHT + slot;
    outstanding[k] = id;
    // The message id carries the ping's slot so the echo finds it: id * IN_FLIGHT * NODES + k, as ping-5's seq * 1024 +
    // slot.
    send(now, node, peer, id * NODES * IN_FLIGHT + k);
    timerDue[k] = now + RETRY;
    if (timerArmed[k] === 0) {
      timerArmed[k] = 1;
      push(now + RETRY, 1, node, 0, k);
    }
  };
  for (let n = 0; n < NODES; n++) for (let s = 0; s < IN_FLIGHT; s++) ping(0, n, s);
  let events = 0;
  let now = 0;
  while (size > 0) {
    const time = hTime[0] as number;
    if (time > durationMicros) break;
    const slot = (hKey[0] as number) % cap;
    popTop();
    free[freeCount++] = slot;
    now = time;
    const from = sFrom[slot] as number;
    const to = sTo[slot] as number;
    const id = sId[slot] as number;
    if (sKind[slot] === 1) {
      // A retry timer (`id` is the ping's index): re-armed since this entry went in, it goes back at its due time.
      const due = timerDue[id] as number;
      if (due > time) {
        push(due, 1, from, 0, id);
        continue;
      }
      events++;
      timerArmed[id] = 0;
      row(4, now, from, 0, id);
      ping(now, from, id % IN_FLIGHT);
      continue;
    }
    events++;
    row(1, now, from, to, id);
    const k = id % (NODES * IN_FLIGHT);
    const pingId = Math.floor(id / (NODES * IN_FLIGHT));
    if (Math.floor(k / IN_FLIGHT) === from)
      send(now, to, from, id); // a ping (its slot is the sender's): echo it
    else if (outstanding[k] === pingId) ping(now, to, k % IN_FLIGHT); // the echo of the outstanding ping: next one
  }
  return { events, simulatedMicros: Math.min(now, durationMicros), traceEvents: rows, clientOps: 0 };
}

export const ping5Bare: BenchWorkload = { name: "ping-5-bare", traced: true, runBare: () => runBarePing() };
