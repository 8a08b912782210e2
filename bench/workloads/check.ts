import type { HistoryOp } from "../../sim/check/history.ts";
import { generateHistory, type HistoryShape } from "../../sim/check/historyGenerator.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import type { BenchRun, BenchWorkload } from "../types.ts";

/**
 * Linearizability checker workloads: synthetic register histories (sim/check/historyGenerator.ts, values 0..4 as in
 * Jepsen's etcd test, 2% indeterminate ops), checked in this thread by `checkLinearizability` with its default
 * budgets and a counterexample on a violation. In the bench table, `events` are search states (so events/s is
 * states/s) and `wall ms` is the time per history (for the etcd-* rows, for all ten histories: divide by ten).
 * The history is generated before the clock starts: `runBare` is a getter that builds it and returns the timed check.
 */
function checkWorkload(name: string, shapes: readonly HistoryShape[]): BenchWorkload {
  let prepared: (() => BenchRun) | null = null;
  return {
    name,
    traced: false,
    optIn: true,
    get runBare(): () => BenchRun {
      if (prepared === null) {
        const histories: HistoryOp[][] = shapes.map((s) => generateHistory(s));
        prepared = () => {
          let states = 0;
          let ops = 0;
          histories.forEach((h, i) => {
            const r = checkLinearizability(h);
            const want = (shapes[i] as HistoryShape).violation ? "violation" : "ok";
            // An undecided history is reported as states spent; a wrong verdict is a checker bug.
            if (r.verdict !== want && r.verdict !== "unknown")
              throw new Error(`${name}: history ${i} checked ${r.verdict}, generated ${want}`);
            states += r.explored;
            ops += h.length;
          });
          return { events: states, simulatedMicros: 0, traceEvents: 0, clientOps: ops };
        };
      }
      return prepared;
    },
  };
}

const SIZES = [
  [1_000, "1k"],
  [10_000, "10k"],
] as const;

/** check-{1k,10k}-c{10,20}-k{1,50}-{ok,bad}: one history each. */
export const checkMatrix: BenchWorkload[] = SIZES.flatMap(([ops, size]) =>
  [10, 20].flatMap((clients) =>
    [1, 50].flatMap((keys) =>
      [false, true].map((violation) =>
        checkWorkload(`check-${size}-c${clients}-k${keys}-${violation ? "bad" : "ok"}`, [
          { ops, clients, keys, violation, seed: 1 },
        ]),
      ),
    ),
  ),
);

/** Ten etcd-like cas-register histories of 300 ops from 10 clients, linearizable or each with one stale read. */
export const checkEtcd: BenchWorkload[] = [false, true].map((violation) =>
  checkWorkload(
    `check-etcd-300x10-${violation ? "bad" : "ok"}`,
    Array.from({ length: 10 }, (_, i) => ({ ops: 300, clients: 10, keys: 1, violation, seed: i + 1 })),
  ),
);
