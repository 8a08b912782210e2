import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { buildModel, divergences, firstDivergence, type Model } from "../../viz/src/model.ts";

const root = resolve(import.meta.dirname, "../..");
function run(seed: number): Model {
  const s = parseScenario(readFileSync(resolve(root, "scenarios/demo.yaml"), "utf8"), "demo.yaml", registry);
  const r = runScenario({ ...s, durationMicros: 3_000_000 }, { registry, seed, sink: "record" });
  return buildModel(r.header, [...(r.trace?.events() ?? [])] as TraceEvent[], true);
}

describe("divergences between two runs", () => {
  it("lists, per lane, where its history first differs, in time order, the earliest being the first divergence", () => {
    const a = run(1);
    const b = run(2);
    const all = divergences(a, b);
    expect(all.length).toBeGreaterThan(3);
    expect(new Set(all.map((d) => d.lane)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++)
      expect(Math.min(all[i]?.tA ?? 0, all[i]?.tB ?? 0)).toBeGreaterThanOrEqual(
        Math.min(all[i - 1]?.tA ?? 0, all[i - 1]?.tB ?? 0),
      );
    const first = firstDivergence(a, b);
    expect(Math.min(all[0]?.tA ?? 0, all[0]?.tB ?? 0)).toBe(Math.min(first?.tA ?? 0, first?.tB ?? 0));
  });

  it("finds none between identical runs", () => {
    expect(divergences(run(1), run(1))).toEqual([]);
  });
});
