import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";

describe("raft options", () => {
  const base = readFileSync(resolve(import.meta.dirname, "../../../scenarios/raft-membership.yaml"), "utf8");
  const withSteps = (steps: string) => base.replace(/ {4}reconfigure:\n(?: {6}- .*\n)+/, `    reconfigure:\n${steps}`);

  it("accepts single-server steps", () => {
    expect(() => parseScenario(base, "raft-membership.yaml", registry)).not.toThrow();
  });

  it.each([
    [
      "      - { atMicros: 3000000, add: n4, remove: n3 }\n",
      /raft-membership\.yaml: protocol\.options\.reconfigure\[0\]: expected one of add and remove, got both/,
    ],
    [
      "      - { atMicros: 3000000, add: n4 }\n      - { atMicros: 5000000 }\n",
      /protocol\.options\.reconfigure\[1\]: expected one of add and remove, got neither/,
    ],
    [
      "      - { atMicros: 3000000, add: n9 }\n",
      /protocol\.options\.reconfigure\[0\]\.add: expected a node id of the topology \(n1, n2, n3, n4, n5\), got "n9"/,
    ],
    [
      "      - { atMicros: 3000000, remove: n7 }\n",
      /protocol\.options\.reconfigure\[0\]\.remove: expected a node id of the topology/,
    ],
    [
      "      - { atMicros: -1, add: n4 }\n",
      /protocol\.options\.reconfigure\[0\]\.atMicros: expected a whole number of microseconds >= 0/,
    ],
    ["      - { atMicros: 1, ad: n4 }\n", /protocol\.options\.reconfigure\[0\]: unknown field "ad"/],
  ])("rejects %j naming the step", (steps, error) => {
    expect(() => parseScenario(withSteps(steps), "raft-membership.yaml", registry)).toThrow(error);
  });

  it("rejects voters outside the topology", () => {
    expect(() =>
      parseScenario(base.replace("voters: [n1, n2, n3]", "voters: [n1, n2, x3]"), "raft-membership.yaml", registry),
    ).toThrow(/protocol\.options\.voters\[2\]: expected a node id of the topology/);
  });
});
