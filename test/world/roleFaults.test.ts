import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import type { TraceEvent } from "../../sim/trace/events.ts";
import { ResolvedScenarioSchema } from "../../sim/scenario/resolved.ts";
import { runScenario } from "../../sim/world/simulation.ts";

function load(faults: string, protocol = "raft", nodes = 5): ReturnType<typeof parseScenario> {
  const yaml =
    `name: roles\nduration: 6s\nprotocol: { name: ${protocol} }\n` +
    `topology: { datacenters: [{ name: dc1, nodes: ${nodes} }] }\n` +
    `workload: { clients: 1, rate: 10/s }\nfaults:\n  schedule:\n${faults}`;
  return parseScenario(yaml, "roles.yaml", registry);
}

function run(faults: string, protocol = "raft", nodes = 5): TraceEvent[] {
  const r = runScenario(load(faults, protocol, nodes), { registry, seed: 3, sink: "record" });
  return [...(r.trace?.events() ?? [])];
}

/** Each node's role just before time t (from the trace's state events). */
function rolesBefore(events: TraceEvent[], t: number): Map<string, string> {
  const roles = new Map<string, string>();
  for (const e of events) {
    if (e.t >= t) break;
    if (e.k === "state") roles.set(e.n, String(e.v.role));
    if (e.k === "crash") roles.delete(e.n);
  }
  return roles;
}

describe("faults that target a role at fault time", () => {
  it("crash: leader crashes the node that is leader when the fault fires, and the trace says which", () => {
    const events = run("    - { at: 2s, crash: leader, restartAfter: 1s }\n");
    const crash = events.find((e) => e.k === "crash" && e.t === 2_000_000);
    expect(crash).toBeDefined();
    const node = (crash as { n: string }).n;
    expect(rolesBefore(events, 2_000_000).get(node)).toBe("leader");
    const note = events.find((e) => e.k === "note" && e.t === 2_000_000);
    expect(note).toMatchObject({ n: node, text: `crash: leader is ${node}`, data: { role: "leader", node } });
  });

  it("crash: follower picks the lowest-indexed follower among several", () => {
    const events = run("    - { at: 2s, crash: follower }\n");
    const roles = rolesBefore(events, 2_000_000);
    const followers = ["n1", "n2", "n3", "n4", "n5"].filter((n) => roles.get(n) === "follower");
    expect(followers.length).toBeGreaterThan(1);
    expect(events.find((e) => e.k === "crash")).toMatchObject({ n: followers[0], t: 2_000_000 });
  });

  it("isolate: leader cuts exactly the leader off from every other node until its heal", () => {
    const events = run("    - { at: 2s, isolate: leader, id: cut, healAfter: 1s }\n");
    const leader = [...rolesBefore(events, 2_000_000)].find(([, r]) => r === "leader")?.[0] as string;
    const rest = ["n1", "n2", "n3", "n4", "n5"].filter((n) => n !== leader);
    const p = events.find((e) => e.k === "partition");
    expect(p).toMatchObject({ t: 2_000_000, id: "cut", kind: "symmetric" });
    expect((p as { blocks: unknown }).blocks).toEqual([
      { from: [leader], to: rest },
      { from: rest, to: [leader] },
    ]);
    expect(events.find((e) => e.k === "heal")).toMatchObject({ t: 3_000_000, id: "cut" });
  });

  it("a role nobody has at fault time crashes nobody, and the run's metrics count the miss", () => {
    const r = runScenario(load("    - { at: 0s, crash: leader }\n"), { registry, seed: 3, sink: "record" });
    expect([...(r.trace?.events() ?? [])].filter((e) => e.k === "crash")).toEqual([]);
    expect(r.metrics.roleFaultsMissed).toBe(1);
  });

  it("crash: coordinator crashes a commit protocol's coordinator", () => {
    const events = run("    - { at: 1s, crash: coordinator }\n", "2pc", 4);
    expect(events.find((e) => e.k === "crash")).toMatchObject({ n: "n1", t: 1_000_000 });
  });

  it("isolate: NODE is a partition of that node against the rest", () => {
    const s = load("    - { at: 1s, isolate: n2, healAfter: 1s }\n");
    expect(s.faults.schedule[0]).toMatchObject({
      action: "partition",
      id: "p1",
      spec: { kind: "symmetric", groups: [["n2"], ["n1", "n3", "n4", "n5"]] },
      healAfterMicros: 1_000_000,
    });
  });

  it("a target that is neither a node nor a role of the protocol is an error naming both", () => {
    expect(() => load("    - { at: 1s, crash: leadr }\n")).toThrow(
      "roles.yaml: faults.schedule[0].crash: unknown node or role " +
        '"leadr" (nodes: n1, n2, n3, n4, n5; roles: leader, follower, candidate)',
    );
    expect(() => load("    - { at: 1s, isolate: coordinator }\n")).toThrow(/unknown node or role "coordinator"/);
    expect(() => load("    - { at: 1s, isolate: leader, restartAfter: 1s }\n")).toThrow(
      "`restartAfter` belongs to a crash fault, and this fault is a isolate",
    );
  });

  it("a trace header with role faults passes the resolved-scenario schema replay checks it with", () => {
    const s = load(
      "    - { at: 1s, crash: leader }\n    - { at: 2s, isolate: leader, id: x }\n    - { at: 3s, heal: x }\n",
    );
    const r = ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s)));
    expect(r.success ? "ok" : r.error.issues[0]).toBe("ok");
  });
});

/** n1's log length in its last view before its crash at 3s, and in its first view after its restart at 3.5s. */
function logAcrossCrash(lying: boolean): { before: number; after: number; disk: unknown } {
  const faults =
    (lying ? "    - { at: 1s, disk: n1, fault: lying-fsync }\n" : "") +
    "    - { at: 3s, crash: n1, restartAfter: 500ms }\n";
  const s = load(faults);
  expect(ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s))).success).toBe(true);
  const r = runScenario(s, { registry, seed: 3, sink: "record" });
  const events = [...(r.trace?.events() ?? [])];
  const views = events.flatMap((e) => (e.k === "state" && e.n === "n1" ? [e] : []));
  const before = views.filter((e) => e.t < 3_000_000).at(-1);
  const after = views.find((e) => e.t >= 3_500_000);
  return {
    before: Number(before?.v.logLength),
    after: Number(after?.v.logLength),
    disk: events.find((e) => e.k === "disk"),
  };
}

describe("a disk whose fsync lies", () => {
  it("makes a node that syncs in every step lose what it synced since the lie began when it crashes", () => {
    const lying = logAcrossCrash(true);
    expect(lying.disk).toMatchObject({ n: "n1", fault: "lying-fsync", t: 1_000_000 });
    expect(lying.after).toBeLessThan(lying.before);
    // Without the fault, Raft's synced log survives the crash whole.
    const honest = logAcrossCrash(false);
    expect(honest.after).toBe(honest.before);
    expect(honest.before).toBeGreaterThan(0);
  });
});
