import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";

function liveness(protocol: string, require: string, crashes: string[]) {
  const yaml =
    `name: minority\nduration: 10s\nprotocol: { name: ${protocol} }\n` +
    "topology: { datacenters: [{ name: a, nodes: 5 }] }\nworkload: { clients: 2, rate: 10/s }\n" +
    `faults:\n  schedule:\n${crashes.map((c) => `    - { at: 2s, crash: ${c} }\n`).join("")}` +
    `checks: { liveness: { require: [${require}], window: 3s } }\n`;
  const r = runScenario(parseScenario(yaml, "minority.yaml", registry), { registry, seed: 2, sink: "none" });
  return r.liveness;
}

describe("liveness with nodes crashed for good", () => {
  it("is checked, and holds, when a minority of Raft's nodes crash for good", () => {
    expect(liveness("raft", "leader, client-ok", ["n4", "n5"])).toMatchObject({ verdict: "ok", quietAtMicros: 2e6 });
  });

  it("is checked from the crash of a role target too", () => {
    expect(liveness("raft", "leader, client-ok", ["leader"])).toMatchObject({ verdict: "ok" });
  });

  it("is not checked when half the nodes or more crash for good", () => {
    expect(liveness("raft", "leader", ["n3", "n4", "n5"])).toMatchObject({ verdict: "unchecked", quietAtMicros: null });
  });

  it("is decided, and fails, when the one node a protocol cannot do without is in the crashed minority", () => {
    expect(liveness("2pc", "coordinator-up", ["coordinator"])).toMatchObject({ verdict: "violated" });
  });
});

describe("liveness with a minority crashed for good beside other faults", () => {
  it("is checked from when the other faults stop", () => {
    const yaml =
      "name: minority-and-partition\nduration: 12s\nprotocol: { name: raft }\n" +
      "topology: { datacenters: [{ name: a, nodes: 5 }] }\nworkload: { clients: 2, rate: 10/s }\n" +
      "faults:\n  schedule:\n    - { at: 2s, crash: n5 }\n" +
      "    - { at: 3s, partition: { groups: [[n1], [n2, n3, n4]] }, healAfter: 3s }\n" +
      "checks: { liveness: { require: [leader, client-ok], window: 3s } }\n";
    const r = runScenario(parseScenario(yaml, "m.yaml", registry), { registry, seed: 2, sink: "none" });
    expect(r.liveness).toMatchObject({ verdict: "ok", quietAtMicros: 6e6 });
  });
});
