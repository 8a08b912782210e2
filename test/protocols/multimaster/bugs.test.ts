import { describeBugVariants } from "../bugVariants.ts";

// Seeds a sweep found (`npx faultline sweep scenarios/FILE --seeds 200 --bug NAME`: lww-ignores-logical 192 of 200
// on multimaster-lww-skew, no-anti-entropy-resume 200 of 200 on multimaster-two-regions, vv-drop-sibling 200 of 200
// on multimaster-siblings); the correct protocol passes the same seeds.
describeBugVariants("master-master planted bugs", [
  {
    bug: "lww-ignores-logical",
    scenario: "multimaster-lww-skew.yaml",
    seeds: [1, 2],
    check: /converged-when-quiescent/,
  },
  {
    bug: "no-anti-entropy-resume",
    scenario: "multimaster-two-regions.yaml",
    seeds: [1, 2],
    check: /liveness\.caught-up/,
  },
  { bug: "vv-drop-sibling", scenario: "multimaster-siblings.yaml", seeds: [1, 2], check: /converged-when-quiescent/ },
]);
