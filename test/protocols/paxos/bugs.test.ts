import { describeBugVariants } from "../bugVariants.ts";

// Seeds a sweep found (`faultline sweep FILE --seeds N --bug NAME`); the correct protocol passes the same seeds.
describeBugVariants("paxos bug variants", [
  { bug: "forget-promise", scenario: "paxos-promise-crash.yaml", seeds: [1, 2], check: /promise-monotonic/ },
  { bug: "ignore-accepted", scenario: "paxos-dueling.yaml", seeds: [1, 3], check: /learned-stability|agreement/ },
  { bug: "non-unique-ballot", scenario: "paxos-dueling.yaml", seeds: [2, 7], check: /agreement|learned-stability/ },
  {
    bug: "learn-from-minority",
    scenario: "paxos-split-acceptors.yaml",
    seeds: [1, 2],
    check: /agreement|learned-stability/,
  },
  { bug: "skip-gap-fill", scenario: "paxos-leader-change.yaml", seeds: [1], check: /learned-stability|agreement/ },
]);
