import { describeBugVariants } from "../bugVariants.ts";

// Seeds a sweep found (`faultline sweep FILE --seeds N --bug NAME`); the correct protocol passes the same seeds.
describeBugVariants("raft bug variants", [
  {
    bug: "commit-old-term",
    scenario: "raft-figure8.yaml",
    seeds: [1, 2, 3],
    check: /leader-completeness|state-machine-safety|linearizability/,
    minOk: 20,
  },
  // The raft-old-term family finds it by random faults (no election no-op, maxBatch 1, frequent leader changes).
  {
    bug: "commit-old-term",
    scenario: "raft-old-term-partitions.yaml",
    seeds: [9, 10],
    check: /leader-completeness|state-machine-safety|linearizability/,
  },
  {
    bug: "commit-old-term",
    scenario: "raft-old-term-three.yaml",
    seeds: [5, 17],
    check: /leader-completeness|state-machine-safety|linearizability/,
  },
  { bug: "forget-vote", scenario: "raft-persistence.yaml", seeds: [53, 73, 252], check: /election-safety/ },
  { bug: "no-prev-log-check", scenario: "raft-churn.yaml", seeds: [1], check: /log-matching|state-machine-safety/ },
  {
    bug: "no-step-down",
    scenario: "raft-persistence.yaml",
    seeds: [4, 9, 11],
    check: /election-safety|leader-completeness/,
  },
  // A follower stranded behind a damaged snapshot breaks no safety check: only the caught-up progress condition
  // sees it.
  {
    bug: "damaged-snapshot-stalls",
    scenario: "raft-damaged-snapshot.yaml",
    seeds: [1, 2, 3],
    check: /^liveness\.caught-up$/,
  },
  // Lease reads under a clock that jumps back: stale reads, which only the linearizability check can see.
  {
    bug: "lease-without-clock-bound",
    scenario: "raft-lease-skew.yaml",
    seeds: [12, 18, 20],
    check: /^linearizability$/,
  },
]);
