import { describeBugVariants } from "../bugVariants.ts";

// `faultline sweep scenarios/sharding-add-node.yaml --seeds 200 --bug serve-before-handoff` fails 51 of 200 seeds.
describeBugVariants("sharding bug variants in the simulator", [
  {
    bug: "serve-before-handoff",
    scenario: "sharding-add-node.yaml",
    seeds: [2, 4],
    check: /linearizability|sharding\.(single-owner|no-acked-write-lost)/,
  },
]);
