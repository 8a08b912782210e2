import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { paxosDefaults } from "../../../protocols/paxos/options.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";

describe("paxos options", () => {
  const file = "paxos-minority-dc.yaml";
  const base = readFileSync(resolve(import.meta.dirname, "../../../scenarios", file), "utf8");
  const acceptors = "acceptors: [n1, n2, n3, n5, n6]";

  it("records every option in the resolved scenario, defaults filled in", () => {
    const s = parseScenario(base, file, registry);
    expect(s.protocol.options).toMatchObject({ mode: "multi", acceptors: ["n1", "n2", "n3", "n5", "n6"], window: 256 });
    expect(Object.keys(s.protocol.options)).toEqual(Object.keys(paxosDefaults(["n1"])));
  });

  it.each([
    ["acceptors: [n1, n2, n9]", /protocol\.options\.acceptors\[2\]: expected a node id of the topology \(n1, .*n7\)/],
    ["acceptors: []", /protocol\.options\.acceptors: expected a non-empty list of node ids/],
    ["acceptors: [n1, n1]", /protocol\.options\.acceptors: expected each node id at most once/],
    ["mode: fast", /protocol\.options\.mode: /],
    ["window: 0", /protocol\.options\.window: /],
    ["batchMicros: 1.5", /protocol\.options\.batchMicros: expected a whole number of microseconds/],
  ])("rejects %j, naming the option", (option, error) => {
    expect(() => parseScenario(base.replace(acceptors, option), file, registry)).toThrow(error);
  });

  it("rejects an election timeout range whose bounds are out of order", () => {
    const text = base.replace("electionMinMicros: 400000", "electionMinMicros: 900000");
    expect(() => parseScenario(text, file, registry)).toThrow(
      /protocol\.options\.electionMinMicros: expected at most electionMaxMicros \(800000\), got 900000/,
    );
  });
});
