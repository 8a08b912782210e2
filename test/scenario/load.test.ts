import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario, ScenarioError } from "../../sim/scenario/load.ts";
import { BASE_SCENARIO } from "./fixtures.ts";

const base = BASE_SCENARIO;

function error(text: string, source = "s.yaml"): string {
  try {
    parseScenario(text, source, registry);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

describe("scenario loading", () => {
  it("resolves defaults, names nodes across datacenters and converts units", () => {
    const s = parseScenario(
      `${base}network:\n  interDc: { latency: "uniform(30ms, 80ms)", loss: 0.01, bandwidth: 100Mbps }\n`,
      "s.yaml",
      registry,
    );
    expect(s.topology.datacenters).toEqual([
      { name: "a", nodes: ["n1", "n2"] },
      { name: "b", nodes: ["x1", "x2"] },
    ]);
    expect(s.durationMicros).toBe(5_000_000);
    expect(s.network.interDc).toMatchObject({
      latency: { kind: "uniform", minMicros: 30_000, maxMicros: 80_000 },
      loss: 0.01,
      bandwidthBytesPerSecond: 12_500_000,
    });
    expect(s.checks).toEqual({ invariants: ["*"], linearizability: false, liveness: null, stopOnViolation: true });
  });

  it("loads every scenario in scenarios/", async () => {
    const { readdirSync } = await import("node:fs");
    const dir = resolve(import.meta.dirname, "../../scenarios");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml"))) {
      expect(() => parseScenario(readFileSync(resolve(dir, f), "utf8"), f, registry), f).not.toThrow();
    }
  });

  it.each([
    ["malformed YAML", "name: [unclosed\n", /s\.yaml: not valid YAML\/JSON \(line \d+, column \d+\)/],
    ["an unknown top-level field", `${base}colour: blue\n`, /s\.yaml: colour: unknown field "colour"/],
    [
      "an unknown nested field",
      `${base}network: { interDc: { lossy: 0.1 } }\n`,
      /network\.interDc\.lossy: unknown field "lossy"/,
    ],
    [
      "a wrong type",
      `${base}workload: { clients: "four" }\n`,
      /workload\.clients: expected a whole number, got "four"/,
    ],
    ["a unit-less duration", base.replace("5s", "5"), /duration: expected a duration with a unit, like "40ms", got 5/],
    ["a negative duration", base.replace("5s", "-5s"), /duration: expected a duration >= 0/],
    [
      "loss outside [0, 1]",
      `${base}network:\n  links: [{ between: [a, b], loss: 1.5 }]\n`,
      /network\.links\[0\]\.loss: expected a number in \[0, 1\], got 1\.5/,
    ],
    [
      "an unknown node in a fault",
      `${base}faults: { schedule: [{ at: 1s, crash: n9 }] }\n`,
      /faults\.schedule\[0\]\.crash: unknown node or role "n9" \(nodes: n1, n2, x1, x2; roles: primary, backup\)/,
    ],
    [
      "an unknown DC in a partition",
      `${base}faults: { schedule: [{ at: 1s, partition: { isolateDc: mars } }] }\n`,
      /faults\.schedule\[0\]\.partition\.isolateDc: unknown datacenter "mars"/,
    ],
    ["an unknown protocol", base.replace("register", "zab"), /protocol\.name: unknown protocol "zab"/],
    ["an unknown bug", `${base}bugs: [typo]\n`, /bugs\[0\]: protocol register has no bug variant "typo"/],
    [
      "a fault with two actions",
      `${base}faults: { schedule: [{ at: 1s, crash: n1, restart: n2 }] }\n`,
      /faults\.schedule\[0\]: expected exactly one action/,
    ],
    [
      "a heal of an unknown partition",
      `${base}faults: { schedule: [{ at: 1s, heal: p9 }] }\n`,
      /faults\.schedule\[0\]\.heal: no partition with id "p9"/,
    ],
    [
      "a duplicate node name",
      base.replace("[x1, x2]", "[n1, x2]"),
      /topology\.datacenters\[1\]\.nodes\[0\]: node name "n1" is used twice/,
    ],
  ])("rejects %s with the file, the field path and what was expected", (_what, text, pattern) => {
    expect(error(text)).toMatch(pattern);
  });
});

describe("scenario limits", () => {
  it("rejects huge node and client counts before building anything", () => {
    expect(error(base.replace("nodes: 2 }", "nodes: 1000000000 }"))).toMatch(
      /s\.yaml: topology\.datacenters\[0\]\.nodes: expected at most 1000 nodes \(the topology limit\), got 1000000000/,
    );
    expect(error(base.replace("nodes: 2 }", "nodes: 999 }"))).toMatch(
      /s\.yaml: topology\.datacenters: expected at most 1000 nodes in all \(the topology limit\), got 1001/,
    );
    expect(error(`${base}workload: { clients: 1000000000 }\n`)).toMatch(
      /s\.yaml: workload\.clients: expected at most 10000 clients \(the workload limit\), got 1000000000/,
    );
  });
});

describe("YAML aliases", () => {
  it("rejects an alias bomb as a scenario error naming the file", () => {
    const lines = ['description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 6; i++)
      lines.push(
        `x${i}: &a${i} [${Array(9)
          .fill(i === 1 ? "*a" : `*a${i - 1}`)
          .join(",")}]`,
      );
    expect(error(`${base}${lines.join("\n")}\n`, "bomb.yaml")).toMatch(
      /^bomb\.yaml: YAML aliases expand too much \(more than 50 copies of an anchored node\)/,
    );
  });

  it("still accepts a few ordinary aliases", () => {
    const s = parseScenario(
      `${base}network:\n  intraDc: &l { loss: 0.01 }\n  interDc: *l\n  links: [{ between: [a, b], <<: *l }]\n`.replace(
        "<<: *l",
        "loss: 0.02",
      ),
      "s.yaml",
      registry,
    );
    expect(s.network.interDc.loss).toBe(0.01);
  });

  it("merges an anchored mapping with <<, the keys written beside it winning", () => {
    const s = parseScenario(
      `${base}network:\n  intraDc: &l { latency: 1ms, loss: 0.01 }\n  interDc:\n    <<: *l\n    latency: 40ms\n`,
      "s.yaml",
      registry,
    );
    expect(s.network.interDc.loss).toBe(0.01);
    expect(s.network.interDc.latency).toEqual({ kind: "constant", valueMicros: 40_000 });
    // A key written twice by hand is still an error; a quoted "<<" is a plain (unknown) key.
    expect(error(`${base}network:\n  interDc: { loss: 0.1, loss: 0.2 }\n`, "s.yaml")).toMatch(
      /s\.yaml: .*[Mm]ap keys must be unique/,
    );
    expect(error(`${base}network:\n  interDc: { "<<": { loss: 0.1 } }\n`, "s.yaml")).toMatch(/unknown field "<<"/);
  });
});

describe("protocol options", () => {
  const raft = (options: string) =>
    base.replace("protocol: { name: register }", `protocol: { name: raft, options: ${options} }`);
  const register = (options: string) =>
    base.replace("protocol: { name: register }", `protocol: { name: register, options: ${options} }`);
  const echo = (options: string) =>
    base.replace("protocol: { name: register }", `protocol: { name: echo, options: ${options} }`);
  it.each([
    [
      "a raft timer that is not a number",
      raft('{ electionMinMicros: "abc" }'),
      /s\.yaml: protocol\.options\.electionMinMicros: expected a whole number of microseconds >= 1, got "abc"/,
    ],
    [
      "a zero heartbeat",
      raft("{ heartbeatMicros: 0 }"),
      /protocol\.options\.heartbeatMicros: expected a whole number of microseconds >= 1, got 0/,
    ],
    [
      "electionMin above electionMax",
      raft("{ electionMinMicros: 700000, electionMaxMicros: 500000 }"),
      /protocol\.options\.electionMinMicros: expected at most electionMaxMicros \(500000\), got 700000/,
    ],
    [
      "electionMin above the default electionMax",
      raft("{ electionMinMicros: 700000 }"),
      /protocol\.options\.electionMinMicros: expected at most electionMaxMicros \(600000\), got 700000/,
    ],
    [
      "a boolean given as a string",
      raft('{ preVote: "yes" }'),
      /protocol\.options\.preVote: expected true or false, got "yes"/,
    ],
    [
      "a voter that is not a node",
      raft("{ voters: [n1, n9] }"),
      /protocol\.options\.voters\[1\]: expected a node id of the topology/,
    ],
    [
      "an unknown option",
      raft("{ electionTimeout: 5 }"),
      /protocol\.options\.electionTimeout: protocol raft has no option "electionTimeout"/,
    ],
    [
      "an unknown register mode",
      register("{ mode: bogus }"),
      /protocol\.options\.mode: expected one of "single", "primary-backup", got "bogus"/,
    ],
    [
      "a register primary that is not a node",
      register("{ primary: n9 }"),
      /protocol\.options\.primary: expected a node id of the topology \(n1, n2, x1, x2\) or null, got "n9"/,
    ],
    [
      "a zero register batch",
      register("{ batch: 0 }"),
      /protocol\.options\.batch: expected a whole number >= 1, got 0/,
    ],
    [
      "an echo inFlight that is not a number",
      echo('{ inFlight: "x" }'),
      /protocol\.options\.inFlight: expected a whole number in \[1, 100000\], got "x"/,
    ],
    [
      "a 2pc abortProbability outside [0, 1]",
      base.replace("{ name: register }", "{ name: 2pc, options: { abortProbability: 1.5 } }"),
      /protocol\.options\.abortProbability: expected a number in \[0, 1\], got 1\.5/,
    ],
    [
      "a 2pc coordinator that is not a node",
      base.replace("{ name: register }", "{ name: 2pc, options: { coordinator: n9 } }"),
      /protocol\.options\.coordinator: expected a node id of the topology \(n1, n2, x1, x2\) or null, got "n9"/,
    ],
    [
      "a 3pc decision timeout below the vote timeout",
      base.replace("{ name: register }", "{ name: 3pc, options: { decisionTimeoutMicros: 100000 } }"),
      /protocol\.options\.decisionTimeoutMicros: expected more than voteTimeoutMicros \(300000\)/,
    ],
  ])("rejects %s", (_what, text, pattern) => {
    expect(error(text)).toMatch(pattern);
  });

  it("documents every option of every protocol, and its defaults pass its own schema", () => {
    for (const name of registry.names()) {
      const p = registry.get(name);
      if (p === undefined) throw new Error(name);
      const env = { nodes: ["n1", "n2"] };
      expect(Object.keys(p.options.defaults(env)), name).toEqual(p.options.docs.map((d) => d.name));
      for (const d of p.options.docs) {
        expect(d.description, `${name}.${d.name}`).not.toBe("");
        expect(d.type, `${name}.${d.name}`).not.toBe("");
        expect(p.options.resolve({ [d.name]: d.default }, env, name).ok, `${name}.${d.name}'s default`).toBe(true);
      }
    }
  });
});

describe("protocol option defaults", () => {
  it("resolves every declared option, defaults included, in declaration order", () => {
    const s = parseScenario(
      base.replace("{ name: register }", "{ name: raft, options: { heartbeatMicros: 50000 } }"),
      "s.yaml",
      registry,
    );
    expect(s.protocol.options).toEqual({
      electionMinMicros: 300_000,
      electionMaxMicros: 600_000,
      heartbeatMicros: 50_000,
      batchMicros: 2_000,
      maxBatch: 256,
      noopOnElection: true,
      preVote: true,
      checkQuorum: true,
      snapshotEvery: 0,
      voters: null,
      reconfigure: [],
      preferredLeader: null,
      reads: "log",
      leaseClockBoundMicros: 100_000,
    });
    expect(Object.keys(s.protocol.options)).toEqual(registry.get("raft")?.options.docs.map((o) => o.name));
    expect(parseScenario(base, "s.yaml", registry).protocol.options).toEqual({
      mode: "primary-backup",
      primary: null,
      retryMicros: 50_000,
      batch: 64,
    });
  });

  it("runs every protocol exactly as with the options left out (only the trace header differs)", async () => {
    const { runScenario } = await import("../../sim/world/simulation.ts");
    for (const name of ["raft", "register", "echo", "2pc", "3pc"]) {
      const s = parseScenario(
        `${base.replace("{ name: register }", `{ name: ${name} }`)}workload: { clients: 3, rate: 50/s }\n`,
        "s.yaml",
        registry,
      );
      const bare = { ...s, protocol: { name, options: {} } };
      const rows = (sc: typeof s) =>
        runScenario(sc, { registry, durationMicros: 2_000_000, sink: "record" })
          .trace?.toNdjson()
          .split("\n")
          .slice(1)
          .join("\n");
      const a = rows(s);
      expect(a?.length, name).toBeGreaterThan(1000);
      expect(rows(bare), name).toBe(a);
    }
  });
});

describe("fault schedule", () => {
  const sched = (...faults: string[]) => `${base}faults:\n  schedule:\n${faults.map((f) => `    - ${f}\n`).join("")}`;
  it("checks heals in time order, not file order", () => {
    const s = parseScenario(
      sched("{ at: 2s, heal: p }", "{ at: 1s, id: p, partition: { groups: [[a], [b]] } }"),
      "s.yaml",
      registry,
    );
    expect(s.faults.schedule.map((f) => f.action)).toEqual(["partition", "heal"]);
    expect(error(sched("{ at: 500ms, id: p, partition: { groups: [[a], [b]] } }", "{ at: 100ms, heal: p }"))).toMatch(
      new RegExp(
        /s\.yaml: faults\.schedule\[1\]\.heal: partition "p" starts at 500ms/.source +
          / \(faults\.schedule\[0\]\), after this heal at 100ms/.source,
      ),
    );
    // Same time: file order decides, as in the engine.
    expect(error(sched("{ at: 1s, heal: p }", "{ at: 1s, id: p, partition: { groups: [[a], [b]] } }"))).toMatch(
      /faults\.schedule\[0\]\.heal: partition "p" starts at 1s/,
    );
  });

  it("rejects duplicate partition ids, and auto ids skip the explicit ones", () => {
    expect(
      error(
        sched("{ at: 1s, id: p, partition: { groups: [[a], [b]] } }", "{ at: 2s, id: p, partition: { isolateDc: a } }"),
      ),
    ).toMatch(/faults\.schedule\[1\]\.id: partition id "p" is already used by faults\.schedule\[0\]/);
    const s = parseScenario(
      sched("{ at: 1s, partition: { isolateDc: a } }", "{ at: 2s, id: p1, partition: { isolateDc: b } }"),
      "s.yaml",
      registry,
    );
    expect(s.faults.schedule.map((f) => (f.action === "partition" ? f.id : ""))).toEqual(["p2", "p1"]);
  });

  it("rejects a node in two groups of one partition", () => {
    expect(error(sched("{ at: 1s, partition: { groups: [[a], [n1, x1]] } }"))).toMatch(
      /faults\.schedule\[0\]\.partition\.groups\[1\]: node "n1" is in both groups\[0\] and groups\[1\]/,
    );
    expect(error(sched("{ at: 1s, partition: { bridge: n1, sides: [[n1, n2], [b]] } }"))).toMatch(
      /partition\.sides\[0\]: node "n1" is in both bridge and sides\[0\]/,
    );
  });

  it.each([
    [
      "a crash's healAfter",
      "{ at: 1s, crash: n1, healAfter: 1s }",
      /faults\.schedule\[0\]\.healAfter: `healAfter` belongs to a partition fault, and this fault is a crash/,
    ],
    [
      "a partition's restartAfter",
      "{ at: 1s, partition: { isolateDc: a }, restartAfter: 1s }",
      /faults\.schedule\[0\]\.restartAfter: `restartAfter` belongs to a crash fault, and this fault is a partition/,
    ],
    [
      "a crash's clock offset",
      "{ at: 1s, crash: n1, offset: 5ms }",
      /faults\.schedule\[0\]\.offset: `offset` belongs to a clock fault, and this fault is a crash/,
    ],
    [
      "a restart's restartAfter",
      "{ at: 1s, restart: n1, restartAfter: 2s }",
      /faults\.schedule\[0\]\.restartAfter: `restartAfter` belongs to a crash fault, and this fault is a restart/,
    ],
    [
      "a clock fault's disk key",
      "{ at: 1s, clock: n1, drift: 3ppm, key: x }",
      /faults\.schedule\[0\]\.key: `key` belongs to a disk fault, and this fault is a clock/,
    ],
    [
      "sides without a bridge",
      "{ at: 1s, partition: { isolateDc: a, sides: [[n1], [n2]] } }",
      /faults\.schedule\[0\]\.partition\.sides: `sides` belongs to a bridge partition/,
    ],
  ])("rejects a field of another kind of fault: %s (it would be ignored)", (_what, fault, pattern) => {
    expect(error(sched(fault))).toMatch(pattern);
  });

  it("rejects a node named like a client (c1..cN), which would make the trace ambiguous", () => {
    const named = (clients: number) => `${base.replace("[x1, x2]", "[c2, x2]")}workload: { clients: ${clients} }\n`;
    expect(error(named(2))).toMatch(
      /topology\.datacenters\[1\]\.nodes\[0\]: node name "c2" is the name of a client \(the 2 clients are c1\.\.c2\)/,
    );
    // one client: c1 only
    expect(parseScenario(named(1), "s.yaml", registry).topology.datacenters[1]?.nodes).toEqual(["c2", "x2"]);
  });

  it("keeps the random- prefix of partition ids for random faults", () => {
    expect(error(sched("{ at: 1s, id: random-1, partition: { isolateDc: a } }"))).toMatch(
      /faults\.schedule\[0\]\.id: partition ids starting with "random-" are kept for the partitions of random faults/,
    );
  });

  it("rejects an id on a fault that is not a partition", () => {
    expect(error(sched("{ at: 1s, crash: n1, id: p }"))).toMatch(
      /faults\.schedule\[0\]\.id: an id names a partition \(for a later `heal`\), and this fault is not one, got "p"/,
    );
  });

  it("rejects a fault after the end of the scenario", () => {
    expect(error(sched("{ at: 6s, crash: n1 }"))).toMatch(
      /s\.yaml: faults\.schedule\[0\]\.at: expected a time within the scenario's duration \(5s\), got 6s/,
    );
  });
});

describe("values out of range and unit hints", () => {
  const fault = (f: string) => `${base}faults: { schedule: [${f}] }\n`;
  it.each([
    [
      "a huge clock drift",
      fault('{ at: 1s, clock: n1, drift: "-2000000ppm" }'),
      /faults\.schedule\[0\]\.drift: expected a clock drift between -100000ppm and 100000ppm, got "-2000000ppm"/,
    ],
    [
      "a huge clock offset",
      fault("{ at: 1s, clock: n1, offset: 2h }"),
      /faults\.schedule\[0\]\.offset: expected a clock offset within 3600s either way, got "2h"/,
    ],
    [
      "a huge random clock skew",
      `${base}faults: { random: { clockSkewMax: 2h } }\n`,
      /faults\.random\.clockSkewMax: expected at most 3600s, got "2h"/,
    ],
    [
      "a zero bandwidth",
      `${base}network: { interDc: { bandwidth: 0Mbps } }\n`,
      /network\.interDc\.bandwidth: expected a bandwidth > 0, got "0Mbps" \(use "unlimited" for no limit/,
    ],
    [
      "a bandwidth in bytes with a bit unit's spelling",
      `${base}network: { interDc: { bandwidth: 100MBps } }\n`,
      new RegExp(
        /network\.interDc\.bandwidth: unknown bandwidth unit "MBps" in "100MBps"/.source +
          /: expected a rate like "100Mbps", "1Gbps" or "500Kbps" \(bits\), or "10MB\/s" \(bytes\)$/.source,
      ),
    ],
    [
      "a bare-number bandwidth",
      `${base}network: { interDc: { bandwidth: 100 } }\n`,
      new RegExp(
        /network\.interDc\.bandwidth: expected a bandwidth: a rate like "100Mbps", "1Gbps"/.source +
          / or "500Kbps" \(bits\), or "10MB\/s" \(bytes\), or "unlimited", got 100/.source,
      ),
    ],
    [
      "a mix of all zeros",
      `${base}workload: { clients: 2, mix: { read: 0, write: 0 } }\n`,
      new RegExp(
        /workload\.mix: expected at least one operation kind \(read, write, cas, append\)/.source +
          / with a weight > 0 when there are clients/.source,
      ),
    ],
    [
      "a zero duration",
      base.replace("5s", "0s"),
      /s\.yaml: duration: expected a duration of at least 1us \(durations are whole microseconds\), got "0s"/,
    ],
    [
      "a duration too large for microseconds",
      base.replace("5s", "1e300s"),
      /s\.yaml: duration: duration too large: expected at most 9007199254740991 microseconds, got "1e300s"$/,
    ],
    [
      "a huge duration in another field",
      `${base}workload: { clients: 1, timeout: 1e12h }\n`,
      /workload\.timeout: duration too large: expected at most 9007199254740991 microseconds, got "1e12h"$/,
    ],
    [
      "a huge size",
      `${base}network: { intraDc: { queueLimit: 1e300GiB } }\n`,
      /network\.intraDc\.queueLimit: size too large: expected at most 9007199254740991 bytes, got "1e300GiB"$/,
    ],
    [
      "a pareto cap below its scale",
      `${base}network: { intraDc: { latency: "pareto(10ms, 1.5, 5ms)" } }\n`,
      /network\.intraDc\.latency: expected SCALE <= CAP in "pareto\(10ms, 1\.5, 5ms\)"/,
    ],
    [
      "an empty node name",
      base.replace("[x1, x2]", '["", x2]'),
      /topology\.datacenters\[1\]\.nodes\[0\]: expected a non-empty name, got ""/,
    ],
    [
      "a node list that is neither",
      base.replace("[x1, x2]", "lots"),
      /topology\.datacenters\[1\]\.nodes: expected a number of nodes or a list of node names, got "lots"/,
    ],
    ["a fractional seed", `${base}seed: 1.5\n`, /s\.yaml: seed: expected an integer seed, like 42, got 1\.5/],
    ["a string seed", `${base}seed: hello\n`, /s\.yaml: seed: expected an integer seed, like 42, got "hello"/],
    [
      "a seed too large to be exact",
      `${base}seed: 12345678901234567890\n`,
      new RegExp(
        /s\.yaml: seed: expected an integer seed from -\(2\^53 - 1\) to 2\^53 - 1/.source +
          / \(larger ones are not exact\), got 12345678901234567000/.source,
      ),
    ],
    [
      "a unit-less size",
      `${base}network: { intraDc: { block: 4096 } }\n`,
      /network\.intraDc\.block: expected a size with a unit, like "4KiB", got 4096/,
    ],
    // zod's own wording ("Invalid input: expected string, received number") is said in this tool's.
    ["a number for a string", `${base}description: 5\n`, /s\.yaml: description: expected a string, got 5$/],
    [
      "a count below its minimum",
      `${base}workload: { clients: 1, keys: 0 }\n`,
      /workload\.keys: expected a number >= 1, got 0$/,
    ],
    [
      "an infinite weight (YAML .inf)",
      `${base}workload: { clients: 1, mix: { read: .inf } }\n`,
      /workload\.mix\.read: expected a number, got Infinity$/,
    ],
    ["null for a section", `${base}faults: null\n`, /s\.yaml: faults: expected a mapping of fields, got null$/],
    [
      "an unknown choice",
      `${base}workload: { clients: 1, target: nope }\n`,
      /workload\.target: expected one of "random", "leader", "local", got "nope"$/,
    ],
    [
      "a doubled minus sign in a clock offset",
      fault('{ at: 1s, clock: n1, offset: "--5ms" }'),
      /faults\.schedule\[0\]\.offset: expected a duration like "5ms" or "-5ms", got "--5ms"$/,
    ],
    [
      "two YAML documents in one file",
      `${base}---\nname: other\n`,
      /s\.yaml: a scenario file is one YAML document, and a second one starts at line 8/,
    ],
    [
      "a rate without a unit",
      `${base}workload: { clients: 1, rate: 10 }\n`,
      /workload\.rate: expected a rate like "10\/s", got 10/,
    ],
    [
      "a workload that starts after the run",
      `${base}workload: { clients: 1, start: 10s }\n`,
      /workload\.start: expected a start before the end of the run \(5s\), got 10s/,
    ],
    [
      "a workload that stops before it starts",
      `${base}workload: { clients: 1, start: 2s, stop: 1s }\n`,
      /workload\.stop: expected a stop after the start \(2s\), got 1s/,
    ],
    [
      "random disk faults of no kind",
      `${base}faults: { random: { diskFaultRate: 5/s, diskFaults: [] } }\n`,
      /faults\.random\.diskFaults: expected at least one disk fault kind/,
    ],
  ])("rejects %s", (_what, text, pattern) => {
    expect(error(text)).toMatch(pattern);
  });

  it("still accepts an unlimited bandwidth and a zero-weight mix without clients", () => {
    expect(
      parseScenario(`${base}network: { interDc: { bandwidth: unlimited } }\n`, "s.yaml", registry).network.interDc
        .bandwidthBytesPerSecond,
    ).toBeNull();
    expect(
      parseScenario(`${base}workload: { mix: { read: 0, write: 0 } }\n`, "s.yaml", registry).workload.clients,
    ).toBe(0);
  });
});
