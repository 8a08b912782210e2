import { assert } from "../core/assert.ts";
import type { KvOp } from "../core/protocol.ts";
import type { Micros } from "../core/types.ts";
import type { HistoryOp, HistoryOutcome } from "./history.ts";

const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Integers per row: process, client index, requestId, outcome; times per row: invoke, complete (NaN: none). */
const INTS = 4;
const TIMES = 2;
const OUTCOMES: readonly HistoryOutcome[] = ["ok", "fail", "info"];
const OUTCOME_CODE: Readonly<Record<HistoryOutcome, number>> = { ok: 0, fail: 1, info: 2 };

/**
 * A client history as it is recorded: numbers in typed chunks of 8,192 rows (32 bytes a row: fresh memory costs a page
 * fault per 4 KiB on first write here, so bytes count), ops and results by reference, and the
 * HistoryOp objects built only when someone asks for them (the linearizability checker, the CLI's latency summary).
 * A run at 1,000 ops/s otherwise kept an object per op alive to the end, which the garbage collector copied at every
 * scavenge until it was promoted; most runs (bench, sweeps without linearizability) never read the history.
 * The objects built are exactly those recorded, in order of completion.
 */
export class HistoryLog {
  private readonly ints: Int32Array[] = [];
  private readonly times: Float64Array[] = [];
  private readonly ops: KvOp[][] = [];
  private readonly results: unknown[][] = [];
  private readonly built: HistoryOp[] = [];
  count = 0;

  constructor(private readonly clientNames: readonly string[]) {}

  push(
    process: number,
    client: number,
    requestId: number,
    op: KvOp,
    invokeMicros: Micros,
    completeMicros: Micros | null,
    outcome: HistoryOutcome,
    result: unknown,
  ): void {
    if (!(process <= 0x7fffffff && requestId <= 0x7fffffff))
      assert(false, `history: process ${process} or request ${requestId} beyond 2^31`);
    const row = this.count++;
    const chunk = row >>> CHUNK_BITS;
    if (chunk === this.ints.length) {
      this.ints.push(new Int32Array(CHUNK * INTS));
      this.times.push(new Float64Array(CHUNK * TIMES));
      this.ops.push(new Array<KvOp>(CHUNK));
      this.results.push(new Array<unknown>(CHUNK));
    }
    const k = row & CHUNK_MASK;
    const n = this.ints[chunk] as Int32Array;
    const o = k * INTS;
    n[o] = process;
    n[o + 1] = client;
    n[o + 2] = requestId;
    n[o + 3] = OUTCOME_CODE[outcome];
    const t = this.times[chunk] as Float64Array;
    t[k * TIMES] = invokeMicros;
    t[k * TIMES + 1] = completeMicros === null ? Number.NaN : completeMicros;
    (this.ops[chunk] as KvOp[])[k] = op;
    (this.results[chunk] as unknown[])[k] = result === undefined ? null : result;
  }

  /** Every op recorded so far, as HistoryOp objects (built once; later calls add only what was recorded since). */
  toArray(): HistoryOp[] {
    const out = this.built;
    for (let row = out.length; row < this.count; row++) {
      const chunk = row >>> CHUNK_BITS;
      const k = row & CHUNK_MASK;
      const n = this.ints[chunk] as Int32Array;
      const o = k * INTS;
      const t = this.times[chunk] as Float64Array;
      const complete = t[k * TIMES + 1] as number;
      out.push({
        process: n[o] as number,
        client: this.clientNames[n[o + 1] as number] as string,
        requestId: n[o + 2] as number,
        op: (this.ops[chunk] as KvOp[])[k] as KvOp,
        invokeMicros: smallInt(t[k * TIMES] as number),
        completeMicros: Number.isNaN(complete) ? null : smallInt(complete),
        outcome: OUTCOMES[n[o + 3] as number] as HistoryOutcome,
        result: (this.results[chunk] as unknown[])[k],
      });
    }
    return out;
  }
}

/**
 * The same number as a small integer where it is one (below 2^30). A float64 stored in a new object is a separate
 * heap number in V8; a small integer is stored inline. The value is unchanged.
 */
export function smallInt(t: number): number {
  return t >= 0 && t < 0x40000000 && t === Math.floor(t) ? t | 0 : t;
}
