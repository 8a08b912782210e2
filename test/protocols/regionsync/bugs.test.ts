import { describeBugVariants } from "../bugVariants.ts";

describeBugVariants("regionsync bug variants in the simulator", [
  { bug: "no-dedup", scenario: "regionsync-partition.yaml", seeds: [1], check: /regionsync\.exactly-once/ },
  { bug: "no-dedup", scenario: "regionsync-target-crash.yaml", seeds: [1, 2], check: /regionsync\.exactly-once/ },
  { bug: "resume-from-sent", scenario: "regionsync-partition.yaml", seeds: [1], check: /regionsync\.no-change-lost/ },
  {
    bug: "resume-from-sent",
    scenario: "regionsync-target-crash.yaml",
    seeds: [1, 2],
    check: /regionsync\.no-change-lost/,
  },
  {
    bug: "ack-before-apply",
    scenario: "regionsync-target-crash.yaml",
    seeds: [1, 2],
    check: /regionsync\.no-change-lost/,
  },
]);
