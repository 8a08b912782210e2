import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { ResolvedScenarioSchema } from "../../sim/scenario/resolved.ts";
import { runScenario } from "../../sim/world/simulation.ts";

function partitionKinds(random: string): string[] {
  const yaml =
    "name: random-partitions\nduration: 20s\nprotocol: { name: raft }\n" +
    "topology: { datacenters: [{ name: a, nodes: 2 }, { name: b, nodes: 2 }, { name: c, nodes: 1 }] }\n" +
    `faults:\n  random: { partitionRate: 2/s, partitionDuration: 200ms${random} }\n`;
  const s = parseScenario(yaml, "random.yaml", registry);
  const header = ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s)));
  expect(header.success ? "ok" : header.error.issues[0]).toBe("ok");
  const r = runScenario(s, { registry, seed: 5, sink: "record" });
  return [...(r.trace?.events() ?? [])].flatMap((e) => (e.k === "partition" ? [e.kind] : []));
}

describe("random partitions beyond two-group splits", () => {
  it("draws one-way, bridge and DC-isolation partitions when faults.random.partitionKinds lists them", () => {
    const kinds = partitionKinds(", partitionKinds: [oneway, bridge, isolate-dc]");
    expect(kinds.length).toBeGreaterThan(20);
    expect(new Set(kinds)).toEqual(new Set(["oneway", "bridge", "isolate-dc"]));
  });

  it("draws only two-group splits when partitionKinds is not set", () => {
    const kinds = partitionKinds("");
    expect(kinds.length).toBeGreaterThan(20);
    expect(new Set(kinds)).toEqual(new Set(["symmetric"]));
  });

  it("refuses an unknown partition kind, naming the field", () => {
    expect(() => partitionKinds(", partitionKinds: [ring]")).toThrow(
      /random\.yaml: faults\.random\.partitionKinds\[0\]: expected one of "split", "oneway", "bridge", "isolate-dc"/,
    );
  });
});
