import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

describe("a directory where a file is expected", () => {
  const dir = tempDir();
  it.each([
    [["check", dir, "--format", "edn"], `cannot read ${dir}: it is a directory`],
    [["check", dir, "--format", "json"], `cannot read ${dir}: it is a directory`],
    [["check", dir, "--format", "trace"], `cannot read ${dir}: it is a directory`],
    [["replay", dir], `cannot read ${dir}: it is a directory`],
    [["validate", dir], `cannot read ${dir}: it is a directory, expected a scenario file`],
    [["run", dir], `cannot read ${dir}: it is a directory, expected a scenario file`],
    [["export", dir, "--format", "chrome"], `cannot read ${dir}: it is a directory`],
  ])("%j is exit 2 naming it", async (args, message) => {
    expectCleanError(await cli(...(args as string[])), message as string);
  });
});

const RANDOM_OFF = {
  crashRate: 0,
  restartAfterMinMicros: 0,
  restartAfterMaxMicros: 0,
  partitionRate: 0,
  partitionDurationMinMicros: 0,
  partitionDurationMaxMicros: 0,
  clockSkewRate: 0,
  clockSkewMaxMicros: 0,
  diskFaultRate: 0,
  diskFaultKinds: [],
  stopAtMicros: null,
  maxDown: 0,
};

describe("replay of a trace whose header's scenario is damaged", () => {
  const dir = tempDir();
  const good = join(dir, "good.ndjson");
  const lines = (async () => {
    expect(
      (await cli("run", "scenarios/register-primary-backup.yaml", "--duration", "200ms", "--trace", good)).code,
    ).toBe(4); // 200 ms ends before the faults stop: liveness not checked, inconclusive

    return readFileSync(good, "utf8").split("\n");
  })();
  async function withScenario(edit: (s: Record<string, unknown>) => void): Promise<string> {
    const all = [...(await lines)];
    const header = JSON.parse(all[0] as string);
    edit(header.scenario);
    all[0] = JSON.stringify(header);
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.ndjson`);
    writeFileSync(file, all.join("\n"));
    return file;
  }

  it("still replays the undamaged trace", async () => {
    await lines;
    expect((await cli("replay", good)).code).toBe(0);
  });

  it.each([
    ["topology {}", (s: Record<string, unknown>) => void (s.topology = {}), "scenario.topology.datacenters: "],
    [
      'durationMicros "abc"',
      (s: Record<string, unknown>) => void (s.durationMicros = "abc"),
      "scenario.durationMicros: ",
    ],
    ["durationMicros -5", (s: Record<string, unknown>) => void (s.durationMicros = -5), "scenario.durationMicros: "],
    ["no workload", (s: Record<string, unknown>) => void delete s.workload, "scenario.workload: "],
    [
      "a latency of an unknown kind",
      (s: Record<string, unknown>) =>
        void ((s.network as { intraDc: { latency: unknown } }).intraDc.latency = { kind: "gauss" }),
      "scenario.network.intraDc.latency.kind: ",
    ],
    // Well-shaped, but past what a scenario file may say: a billion clients ran out of memory, an unknown bridge node
    // was silently ignored.
    [
      "a billion clients",
      (s: Record<string, unknown>) => void ((s.workload as { clients: number }).clients = 1e9),
      "scenario.workload.clients: expected at most 10000 clients, got 1000000000",
    ],
    [
      "a bridge through an unknown node",
      (s: Record<string, unknown>) =>
        void ((s.faults as { schedule: unknown[] }).schedule = [
          {
            atMicros: 1000,
            action: "partition",
            id: "p1",
            spec: { kind: "bridge", sides: [["n1"], ["n2"]], bridge: "zz" },
            healAfterMicros: null,
          },
        ]),
      'scenario.faults.schedule[0].spec.bridge: unknown node "zz"',
    ],
    [
      "a random clock skew of 30 years",
      (s: Record<string, unknown>) =>
        void ((s.faults as { random: unknown }).random = { ...RANDOM_OFF, clockSkewMaxMicros: 1e15 }),
      "scenario.faults.random.clockSkewMaxMicros: expected at most 3600000000",
    ],
    [
      "a heal of no partition",
      (s: Record<string, unknown>) =>
        void ((s.faults as { schedule: unknown[] }).schedule = [{ atMicros: 1000, action: "heal", id: "nope" }]),
      'scenario.faults.schedule[0].id: no partition "nope" before this heal',
    ],
  ])("%s: exit 2 naming the trace and the field", async (_what, edit, where) => {
    const file = await withScenario(edit);
    expectCleanError(await cli("replay", file), `${file}: line 1: the header's scenario is not valid: ${where}`);
  });

  it("a fractional seed in the header is exit 2 (no run has one: seeds are integers or strings)", async () => {
    const all = [...(await lines)];
    const header = JSON.parse(all[0] as string);
    header.seed = 1.5;
    all[0] = JSON.stringify(header);
    const file = join(dir, "seed.ndjson");
    writeFileSync(file, all.join("\n"));
    expectCleanError(
      await cli("replay", file),
      `${file}: line 1: bad header: seed: expected an integer seed (at most 2^53 - 1 either way) or a string seed`,
    );
  });

  it("a well-shaped scenario the engine cannot run is exit 2 naming the trace, not an internal error", async () => {
    const file = await withScenario(
      (s) =>
        void ((s.faults as { schedule: unknown[] }).schedule = [
          { atMicros: 1000, action: "crash", node: "no-such-node", restartAfterMicros: null },
        ]),
    );
    const r = await cli("replay", file);
    expectCleanError(r, `${file}: line 1: the header's scenario `);
  });
});

describe("flags and commands yargs alone gets wrong", () => {
  it.each([
    [["run", "scenarios/demo.yaml", "--duration", "-1s"], '--duration: expected a duration >= 0, got "-1s"'],
    [["run", "scenarios/demo.yaml", "--duration=-1s"], '--duration: expected a duration >= 0, got "-1s"'],
    [["rn", "x"], 'unknown command "rn" (did you mean "run"?)'],
    [["swep", "x"], 'unknown command "swep" (did you mean "sweep"?)'],
    [["frobnicate"], 'unknown command "frobnicate"; commands: run, '],
    [["run", "scenarios/demo.yaml", "--bug"], "--bug: expected a bug name"],
    [["run", "scenarios/demo.yaml", "--bug", "--json"], "--bug: expected a bug name"],
    [["sweep", "scenarios/demo.yaml", "--seeds", "1", "--bug"], "--bug: expected a bug name"],
    [["run", "scenarios/demo.yaml", "--json=maybe"], '--json: a flag that takes no value (or true/false), got "maybe"'],
    [
      ["sweep", "scenarios/demo.yaml", "--from", "9007199254740991", "--seeds", "2"],
      "--from 9007199254740991 --seeds 2: the last seed would be beyond 9007199254740991 (2^53 - 1)",
    ],
    [["check", "h.json", "--max-states", "abc"], '--max-states: expected a positive integer, got "abc"'],
    [["check", "h.json", "--max-states", "1.5"], '--max-states: expected a positive integer, got "1.5"'],
    [
      ["run", "scenarios/demo.yaml", "--seed", "9007199254740992"],
      "--seed: 9007199254740992 is too large (expected an integer from -(2^53 - 1) to 2^53 - 1)",
    ],
    [
      ["sweep", "scenarios/demo.yaml", "--seeds", "1", "--from", "-9007199254740992"],
      "--from: -9007199254740992 is too small (expected an integer from -(2^53 - 1) to 2^53 - 1)",
    ],
    [["run", "scenarios/demo.yaml", "--trace", ""], "--trace: expected a file path, got an empty string"],
    [["run", "scenarios/demo.yaml", "--trace="], "--trace: expected a file path, got an empty string"],
    // yargs read --no-trace as the value false, which became a trace file named "false".
    [
      ["run", "scenarios/demo.yaml", "--no-trace"],
      "--no-trace: expected --trace FILE (to write no trace: --no-trace-file)",
    ],
    [["export", "scenarios/demo.yaml", "--format", "chrome", "--no-out"], "--no-out: expected --out FILE"],
    [
      ["export", "scenarios/demo.yaml", "--format", "chrome", "--out", ""],
      "--out: expected a file path, got an empty string",
    ],
    [["replay", ""], "expected a file path, got an empty string"],
    [["run", ""], "expected a file path (a scenario file), got an empty string"],
  ])("%j: exit 2, %s", async (args, message) => {
    expectCleanError(await cli(...(args as string[])), message as string);
  });

  it(
    "a flag that takes one value, given twice, is exit 2 " + "naming both values (not one value joined with a comma)",
    async () => {
      const dir = tempDir();
      const [a, b] = [join(dir, "a.ndjson"), join(dir, "b.ndjson")];
      expectCleanError(
        await cli("run", "scenarios/demo.yaml", "--duration", "10ms", "--trace", a, "--trace", b),
        `--trace: expected one value, got 2: "${a}", "${b}"`,
      );
      expect(readdirSync(dir)).toEqual([]); // no folder named "a.ndjson,"
      expectCleanError(
        await cli("run", "scenarios/demo.yaml", "--seed", "1", "--seed=2"),
        '--seed: expected one value, got 2: "1", "2"',
      );
      expectCleanError(
        await cli("sweep", "scenarios/demo.yaml", "--seeds", "1", "--seeds", "2"),
        '--seeds: expected one value, got 2: "1", "2"',
      );
      expectCleanError(
        await cli("export", "t.ndjson", "--format", "chrome", "--format", "jepsen"),
        '--format: expected one value, got 2: "chrome", "jepsen"',
      );
      // --bug is repeatable, and a boolean given twice is still one flag.
      const r = await cli(
        "run",
        "scenarios/demo.yaml",
        "--duration",
        "10ms",
        "--no-trace-file",
        "--bug",
        "commit-old-term",
        "--bug",
        "forget-vote",
        "--json",
        "--json",
      );
      expect(r.code).toBe(4); // 10 ms ends before demo.yaml's faults stop: liveness not checked, inconclusive
      expect(JSON.parse(r.out).bugs).toEqual(["commit-old-term", "forget-vote"]);
    },
  );

  it("a duration that rounds to 0us, and --trace with --no-trace-file, are exit 2 saying why", async () => {
    expectCleanError(
      await cli("run", "scenarios/demo.yaml", "--duration", "0.4us"),
      '--duration: expected a duration of at least 1us, got "0.4us" (durations are whole microseconds: it rounds to 0)',
    );
    expectCleanError(
      await cli("run", "scenarios/demo.yaml", "--duration", "0s"),
      '--duration: expected a duration of at least 1us, got "0s"',
    );
    const dir = tempDir();
    expectCleanError(
      await cli("run", "scenarios/demo.yaml", "--trace", join(dir, "t.ndjson"), "--no-trace-file"),
      "and --no-trace-file contradict each other",
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a negative seed is a value, and --json=true still works", async () => {
    const r = await cli(
      "run",
      "scenarios/demo.yaml",
      "--seed",
      "-3",
      "--duration",
      "10ms",
      "--no-trace-file",
      "--json=true",
    );
    expect(r.code).toBe(4); // 10 ms ends before demo.yaml's faults stop: liveness not checked, inconclusive
    expect(JSON.parse(r.out).seed).toBe(-3);
  });

  it("the last safe seed itself can be swept", async () => {
    const r = await cli(
      "sweep",
      "scenarios/register-primary-backup.yaml",
      "--from",
      "9007199254740990",
      "--seeds",
      "2",
      "--json",
    );
    expect(JSON.parse(r.out).runs).toBe(2);
  });
});
