import { describeBugVariants } from "../bugVariants.ts";

// Seeds from `faultline sweep scenarios/X.yaml --seeds 200 --bug B` (found in 200, 200 and 47 of 200 seeds).
describeBugVariants("replication bug variants in the simulator", [
  { bug: "no-fencing", scenario: "replication-partition-fencing.yaml", seeds: [1, 2], check: /replication\.fencing/ },
  {
    bug: "ack-early",
    scenario: "replication-sync-dc-failure.yaml",
    seeds: [1, 2],
    check: /replication\.sync-no-acked-write-lost/,
  },
  {
    bug: "promote-stale-backup",
    scenario: "replication-stale-failover.yaml",
    seeds: [4, 13],
    check: /replication\.sync-no-acked-write-lost/,
    minOk: 30,
  },
]);
