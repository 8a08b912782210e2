import { describeBugVariants } from "../bugVariants.ts";

// Seeds from `faultline sweep scenarios/<file> --seeds 200 --bug <bug>` (docs/replication.md has the counts).
describeBugVariants("multimaster bug variants in the simulator", [
  {
    bug: "lww-ignores-logical",
    scenario: "multimaster-lww-skew.yaml",
    seeds: [1, 2],
    check: /multimaster\.convergence/,
  },
  {
    bug: "no-anti-entropy-resume",
    scenario: "multimaster-two-regions.yaml",
    seeds: [1, 2],
    check: /liveness\.converged/,
  },
  { bug: "vv-drop-sibling", scenario: "multimaster-siblings.yaml", seeds: [1, 2], check: /siblings-preserved/ },
]);
