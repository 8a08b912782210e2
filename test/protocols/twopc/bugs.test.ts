import { describeBugVariants } from "../bugVariants.ts";

describeBugVariants("2pc bug variants in the simulator", [
  { bug: "commit-on-timeout", scenario: "2pc-lossy.yaml", seeds: [1, 2], check: /2pc\.(commit-validity|atomicity)/ },
  {
    bug: "decision-not-logged",
    scenario: "2pc-coordinator-crash.yaml",
    seeds: [3, 23],
    check: /2pc\.(decision-stability|atomicity)/,
  },
  { bug: "participant-abort-after-yes", scenario: "2pc-partitions.yaml", seeds: [1, 2], check: /2pc\.atomicity/ },
]);
