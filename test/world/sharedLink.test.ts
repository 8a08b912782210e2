import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { registry as shipped } from "../../protocols/index.ts";
import { scenarioFileObject } from "../../sim/explore/scenarioFile.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { link, scenario } from "./fixtures.ts";
import { testRegistry } from "./probe.ts";

const registry = testRegistry();

/** `senders` in DC a each send 10 messages of 1000 B at once to n9 in DC b over a 1 MB/s link; last arrival (us). */
function lastArrival(senders: string[], shared: boolean): number {
  const wan = link({
    latency: { kind: "constant", valueMicros: 5000 },
    bandwidthBytesPerSecond: 1_000_000,
    blockBytes: 1,
    shared,
  });
  const s = scenario({
    protocol: { name: "probe", options: { senders, to: "n9", count: 10, bytes: 1000, gapMicros: 0 } },
    topology: {
      datacenters: [
        { name: "a", nodes: ["n1", "n2", "n3", "n4"] },
        { name: "b", nodes: ["n9"] },
      ],
    },
    network: { intraDc: link(), interDc: wan, links: [] },
    durationMicros: 10_000_000,
  });
  const r = runScenario(s, { registry, sink: "record" });
  const delivers = [...(r.trace?.events() ?? [])].filter(
    (e): e is Extract<TraceEvent, { k: "deliver" }> => e.k === "deliver",
  );
  expect(delivers.length).toBe(10 * senders.length);
  return Math.max(...delivers.map((e) => e.t));
}

describe("a shared link", () => {
  it("makes four transfers across one WAN link take four times as long as one", () => {
    // 10 messages x 1000 B at 1 MB/s: 10 ms on the wire, + 5 ms latency. Shared by four senders: 40 ms + 5 ms.
    const one = lastArrival(["n1"], true);
    const four = lastArrival(["n1", "n2", "n3", "n4"], true);
    expect(one).toBe(10_000 + 5000);
    expect(four).toBe(40_000 + 5000);
    expect((four - 5000) / (one - 5000)).toBe(4);
  });

  it("keeps one queue per endpoint pair when the link is not shared", () => {
    expect(lastArrival(["n1", "n2", "n3", "n4"], false)).toBe(10_000 + 5000);
  });
});

describe("the shared link field", () => {
  it("is read from a scenario file and written back by the scenario writer", () => {
    const text = readFileSync(resolve(import.meta.dirname, "../../scenarios/backup-parallel.yaml"), "utf8");
    const s = parseScenario(text, "backup-parallel.yaml", shipped);
    expect(s.network.interDc.shared).toBe(true);
    const again = parseScenario(stringify(scenarioFileObject(s)), "again.yaml", shipped);
    expect(again.network.interDc.shared).toBe(true);
    expect(parseScenario(text.replace("shared: true", "shared: false"), "x.yaml", shipped).network.interDc.shared).toBe(
      false,
    );
  });
});
