import { describe, expect, it } from "vitest";
import type { Protocol } from "../../sim/core/protocol.ts";
import { noOptions } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { ResolvedScenarioSchema } from "../../sim/scenario/resolved.ts";
import { runScenario } from "../../sim/world/simulation.ts";

/** Every 100ms a node counts one up, persists the count, syncs it, then tells its peers. */
const counter: Protocol<{ n: number }, { type: "count"; n: number }, never, Record<string, never>> = {
  name: "counter",
  description: "test-only: persist, sync, send in every step",
  options: noOptions,
  create: (ctx) => ({ n: Number(ctx.read("n") ?? 0) }),
  step: (s, input, ctx) => {
    if (input.kind === "timer") {
      s.n++;
      ctx.persist("n", s.n);
      ctx.sync();
      for (const p of ctx.peers) ctx.send(p, { type: "count", n: s.n });
    }
    if (input.kind === "start" || input.kind === "timer") ctx.setTimer("tick", 100_000);
  },
  view: (s) => ({ n: s.n }),
  invariants: [],
  bugs: {},
};
const registry = new ProtocolRegistry().register(counter);

function run(fault: string): TraceEvent[] {
  const yaml =
    "name: crash-point\nduration: 2s\nprotocol: { name: counter }\n" +
    "topology: { datacenters: [{ name: a, nodes: 2 }] }\n" +
    `network: { intraDc: { latency: 1ms } }\nfaults:\n  schedule:\n    - ${fault}\n`;
  const s = parseScenario(yaml, "crash-point.yaml", registry);
  expect(ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s))).success).toBe(true);
  const r = runScenario(s, { registry, seed: 1, sink: "record" });
  return [...(r.trace?.events() ?? [])];
}

describe("a crash between a persist and its sync", () => {
  it("crashes the node at its next sync after the fault, losing that step's write and all the step did after", () => {
    const events = run("{ at: 1050ms, crash: n1, point: before-sync, restartAfter: 100ms }");
    expect(events.find((e) => e.k === "note" && e.n === "n1" && e.t === 1_050_000)).toMatchObject({
      text: "crash armed: at its next sync",
    });
    // The next step of n1 that syncs is its tick at 1.1s: it crashes there, not at 1.05s.
    const crash = events.find((e) => e.k === "crash") as TraceEvent;
    expect(crash).toMatchObject({ n: "n1", t: 1_100_000 });
    expect(events.find((e) => e.k === "note" && e.t === 1_100_000)).toMatchObject({ text: "crash point: before sync" });
    // The step counted to 11 and persisted it, but never synced it nor sent it.
    const sent = events.flatMap((e) => (e.k === "send" && e.n === "n1" && e.t === 1_100_000 ? [e] : []));
    expect(sent).toEqual([]);
    const views = events.flatMap((e) => (e.k === "state" && e.n === "n1" ? [e] : []));
    expect(views.filter((e) => e.t < 1_100_000).at(-1)?.v).toEqual({ n: 10 });
    expect(views.find((e) => e.t >= 1_200_000)?.v).toEqual({ n: 10 });
  });

  it("differs from a crash at the fault's time, which keeps every synced count", () => {
    const events = run("{ at: 1050ms, crash: n1, restartAfter: 100ms }");
    expect(events.find((e) => e.k === "crash")).toMatchObject({ n: "n1", t: 1_050_000 });
    expect(events.find((e) => e.k === "state" && e.n === "n1" && e.t >= 1_150_000)).toMatchObject({ v: { n: 10 } });
  });

  it("`point` belongs to a crash fault", () => {
    expect(() => run("{ at: 1s, disk: n1, fault: corrupt, point: before-sync }")).toThrow(
      "`point` belongs to a crash fault, and this fault is a disk",
    );
  });
});
