import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { loadScenarioFile } from "../../sim/cli/scenarioFile.ts";
import { shardRange, sweep, type SweepOptions } from "../../sim/explore/sweep.ts";
import type { SweepSpec } from "../../sim/explore/task.ts";
import { cli, tempDir } from "../cli/helpers.ts";
import { registry as leakyRegistry } from "./leakyRegistry.ts";

const REGISTRY_MODULE = new URL("../../protocols/index.ts", import.meta.url).href;
const register = "scenarios/register-primary-backup.yaml";
const figure8 = "scenarios/raft-figure8.yaml";

function spec(files: string[], bugs: string[]): SweepSpec {
  return {
    files: files.map((file) => ({ file, scenario: loadScenarioFile(file, registry) })),
    bugs,
    swarm: false,
    checkDeterminism: 0,
  };
}

function options(workers: number, from: number, to: number, failFast = false): SweepOptions {
  return { registry, registryModule: REGISTRY_MODULE, workers, from, to, failFast };
}

describe("a parallel sweep", () => {
  it("reports what a sequential sweep does: the same failures, in the same order, and the same counts", async () => {
    // ack-before-replicate fails on some of these seeds and not on others; the file twice makes two scenarios.
    const both = spec([register, register], ["ack-before-replicate"]);
    const one = await sweep(both, options(1, 20, 31));
    const two = await sweep(both, options(2, 20, 31));
    const three = await sweep(both, options(3, 20, 31));
    expect(one.failures.length).toBeGreaterThan(0);
    expect(one.failures.length).toBeLessThan(one.runs);
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    expect(one.runs).toBe(24);
    // File by file, seed by seed: the second file's failures (the same scenario) come after the first's.
    const half = one.failures.length / 2;
    expect(one.failures.slice(half).map((f) => f.seed)).toEqual(one.failures.slice(0, half).map((f) => f.seed));
    expect(one.failures.slice(0, half).map((f) => f.seed)).toEqual(
      [...one.failures.slice(0, half).map((f) => f.seed)].sort((a, b) => a - b),
    );
  }, 120_000);

  it("stops at the same first failure with fail-fast, counting the runs a sequential sweep would", async () => {
    const s = spec([register], ["ack-before-replicate"]);
    const one = await sweep(s, options(1, 20, 40, true));
    const two = await sweep(s, options(2, 20, 40, true));
    expect(one.failures).toHaveLength(1);
    expect(two).toEqual(one);
  }, 120_000);

  it("reports an internal error in a worker instead of hanging or dropping the run", async () => {
    const bad = spec([register], []);
    // A scenario the engine cannot run: a protocol the workers' registry does not know.
    bad.files = [{ file: "x.yaml", scenario: { ...(bad.files[0] as SweepSpec["files"][number]).scenario } }];
    (bad.files[0] as { scenario: { protocol: object } }).scenario.protocol = { name: "nope", options: {} };
    await expect(sweep(bad, options(2, 1, 4))).rejects.toThrow(/nope/);
  }, 60_000);
});

describe("shards", () => {
  it("split the seed range into contiguous slices that cover it exactly once", () => {
    for (const [from, to] of [
      [1, 10],
      [5, 5],
      [1, 3],
      [100, 1099],
    ] as const)
      for (const count of [1, 2, 3, 7]) {
        const seeds: number[] = [];
        for (let i = 0; i < count; i++) {
          const r = shardRange(from, to, i, count);
          if (r !== null) for (let s = r.from; s <= r.to; s++) seeds.push(s);
        }
        expect(seeds).toEqual(Array.from({ length: to - from + 1 }, (_, k) => from + k));
      }
  });

  it("merge into the report of the whole sweep (runs, events, failures in order, inconclusive runs)", async () => {
    const dir = tempDir();
    // A second file: the register scenario under another name, shorter.
    const copy = join(dir, "copy.yaml");
    writeFileSync(
      copy,
      readFileSync(register, "utf8")
        .replace(/^name: .*$/m, "name: register-copy")
        .replace(/^duration: .*$/m, "duration: 9s"),
    );
    const common = ["sweep", register, copy, "--from", "20", "--seeds", "9", "--bug", "ack-before-replicate"];
    const flags = ["--no-traces", "--max-states", "200", "--json"];
    const whole = await cli(...common, ...flags);
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    const shard0 = await cli(...common, ...flags, "--shard", "0/2", "--out", a, "--workers", "2");
    const shard1 = await cli(...common, ...flags, "--shard", "1/2", "--out", b);
    expect(JSON.parse(shard0.out).shard).toEqual({ index: 0, count: 2 });
    const merged = await cli("merge", b, a, "--json");
    const w = JSON.parse(whole.out);
    const m = JSON.parse(merged.out);
    expect(w.failures.length).toBeGreaterThan(0);
    expect(w.runs).toBe(18);
    for (const field of ["runs", "events", "failures", "inconclusive", "determinismChecked", "files", "from", "to"])
      expect(m[field], field).toEqual(w[field]);
    // Metrics over the seeds merge exactly, but for the last bits of sums added in another order.
    const sums = (r: { metrics: Record<string, Record<string, { sum: number }>> }) =>
      JSON.parse(JSON.stringify(r.metrics, (k, v) => (k === "sum" ? Number(v.toPrecision(12)) : v)));
    expect(Object.keys(w.metrics)).toEqual(w.files);
    expect(sums(m)).toEqual(sums(w));
    expect(m.shard).toBeNull();
    expect(merged.code).toBe(whole.code);
    expect([shard0.code, shard1.code]).toContain(whole.code);
    // The human summary of the merge lists the failures with their repros.
    const text = await cli("merge", a, b);
    expect(text.out).toContain(`18 runs of 2 scenario(s), ${w.events} events`);
    expect(text.out).toContain(`repro: ${w.failures[0].repro}`);
  }, 180_000);

  it("refuse to merge other sweeps, a shard twice, or a missing shard (exit 2, naming the file)", async () => {
    const dir = tempDir();
    const run = async (name: string, ...extra: string[]) => {
      const path = join(dir, name);
      await cli("sweep", register, "--seeds", "2", "--no-traces", "--workers", "1", "--out", path, ...extra);
      return path;
    };
    const a = await run("a.json", "--shard", "0/2");
    const b = await run("b.json", "--shard", "1/2", "--bug", "ack-before-replicate");
    const missing = await cli("merge", a);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("shard(s) 1/2 missing");
    const other = await cli("merge", a, b);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/b\.json: not a shard of the same sweep as .*a\.json: bugs is/);
    const twice = await cli("merge", a, a);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain("shard 0/2 again");
    const notReport = join(dir, "x.json");
    writeFileSync(notReport, '{"runs": 3}');
    const junk = await cli("merge", notReport);
    expect(junk.code).toBe(2);
    expect(junk.err).toContain("x.json: not a sweep report");
  }, 120_000);

  it("take the index from JOB_COMPLETION_INDEX with --shards n", async () => {
    const before = process.env.JOB_COMPLETION_INDEX;
    try {
      process.env.JOB_COMPLETION_INDEX = "1";
      const r = await cli("sweep", register, "--seeds", "4", "--shards", "2", "--json", "--workers", "1");
      expect(JSON.parse(r.out)).toMatchObject({ shard: { index: 1, count: 2 }, runs: 2 });
      process.env.JOB_COMPLETION_INDEX = "2";
      const bad = await cli("sweep", register, "--seeds", "4", "--shards", "2");
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('JOB_COMPLETION_INDEX is "2", expected an integer from 0 to 1');
    } finally {
      if (before === undefined) delete process.env.JOB_COMPLETION_INDEX;
      else process.env.JOB_COMPLETION_INDEX = before;
    }
  }, 60_000);
});

describe("sweep's flags", () => {
  it.each([
    [["--workers", "0"], "--workers: expected an integer from 1 to 256"],
    [["--shard", "2/2"], "--shard: expected i/n with n >= 1 and 0 <= i < n"],
    [["--shard", "1"], "--shard: expected i/n"],
    [["--shard", "0/2", "--shards", "2"], "--shard and --shards: give one of them"],
    [["--check-determinism", "1.5"], "--check-determinism: expected a fraction from 0 to 1"],
    [["--max-states", "0"], "--max-states: expected a positive integer"],
  ])("reject %j with a one-line message", async (flags, message) => {
    const r = await cli("sweep", register, "--seeds", "1", ...flags);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/^\s+at /m);
  });
});

describe("--check-determinism", () => {
  it("reports a seed whose two runs differ, naming the first divergent event; passes a deterministic one", async () => {
    const dir = tempDir();
    const file = join(dir, "leaky.yaml");
    writeFileSync(
      file,
      "name: leaky\nduration: 200ms\nprotocol: { name: leaky, options: { maxEchoes: 3 } }\n" +
        "topology: { datacenters: [{ name: dc, nodes: 3 }] }\n",
    );
    const leaky = {
      files: [{ file, scenario: loadScenarioFile(file, leakyRegistry) }],
      bugs: [],
      swarm: false,
      checkDeterminism: 1,
    };
    const module = new URL("./leakyRegistry.ts", import.meta.url).href;
    for (const workers of [1, 2]) {
      const r = await sweep(leaky, {
        registry: leakyRegistry,
        registryModule: module,
        workers,
        from: 1,
        to: 3,
        failFast: false,
      });
      expect(r.determinismChecked).toBe(3);
      expect(r.failures.map((f) => f.check)).toEqual(["determinism", "determinism", "determinism"]);
      expect(r.failures[0]?.message).toMatch(/two runs of the same seed differ at event \d+: .*"boot \d+".* \/ /);
      expect(r.failures[0]?.repro).toBe(`faultline run ${file} --seed 1 --check-determinism`);
    }
    // The same protocol without the leak: echo, every seed checked, none differs.
    writeFileSync(file, readFileSync(file, "utf8").replace("name: leaky, options", "name: echo, options"));
    const fine = await cli("sweep", file, "--seeds", "3", "--check-determinism", "1", "--json");
    expect(fine.code).toBe(0);
    expect(JSON.parse(fine.out)).toMatchObject({ runs: 3, determinismChecked: 3, failures: [] });
    // A fraction checks only some seeds, the same ones every time.
    const some = JSON.parse((await cli("sweep", file, "--seeds", "40", "--check-determinism", "0.25", "--json")).out);
    expect(some.determinismChecked).toBeGreaterThan(2);
    expect(some.determinismChecked).toBeLessThan(25);
  }, 120_000);
});

describe("inconclusive runs", () => {
  it("are counted apart from failures, listed with their repros, and make the sweep exit 4", async () => {
    const r = await cli("sweep", register, "--seeds", "3", "--max-states", "1", "--json");
    expect(r.code).toBe(4);
    const j = JSON.parse(r.out);
    expect(j.failures).toEqual([]);
    expect(
      j.inconclusive.map((f: { seed: number; check: string; repro: string }) => [f.seed, f.check, f.repro]),
    ).toEqual(
      [1, 2, 3].map((seed) => [seed, "linearizability", `faultline run ${register} --seed ${seed} --max-states 1`]),
    );
    const text = await cli("sweep", register, "--seeds", "1", "--max-states", "1");
    expect(text.out).toContain("1 runs of 1 scenario(s)");
    expect(text.out).toContain(": 0 failure(s), 1 inconclusive");
    expect(text.out).toContain(`INCONCLUSIVE register-primary-backup seed 1: linearizability: search limit reached`);
  }, 60_000);

  it("come from the scenario's own budget too, and a run exits 4 on one, with the repro as its last line", async () => {
    const dir = tempDir();
    const file = join(dir, "tight.yaml");
    writeFileSync(
      file,
      readFileSync(register, "utf8").replace("linearizability: true", "linearizability: { maxStates: 1 }"),
    );
    const run = await cli("run", file, "--no-trace-file");
    expect(run.code).toBe(4);
    expect(run.out.trim().split("\n").at(-1)).toBe(`INCONCLUSIVE. repro: faultline run ${file} --seed 1`);
    const json = JSON.parse((await cli("run", file, "--no-trace-file", "--json")).out);
    expect(json).toMatchObject({ verdict: "inconclusive", verdicts: { linearizability: "inconclusive" } });
    // A failure still wins: a check that failed is exit 1 even when another was inconclusive.
    const failed = await cli("run", figure8, "--no-trace-file", "--max-states", "1", "--bug", "commit-old-term");
    expect(failed.code).toBe(1);
    expect(failed.out).toContain("linearizable INCONCLUSIVE");
    // A budget in the file that is not a positive integer is bad input naming the field.
    writeFileSync(file, readFileSync(file, "utf8").replace("maxStates: 1", "maxStates: 0"));
    const bad = await cli("run", file);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("checks.linearizability");
  }, 60_000);
});

describe("progress without a terminal", () => {
  it("is a plain line on stderr every few seconds, not one per run", async () => {
    const { startProgress } = await import("../../sim/cli/commands/sweep.ts");
    const err: string[] = [];
    let clock = 0;
    const ctx = { registry, stdout: () => {}, stderr: (t: string) => err.push(t), isTty: false };
    const p = startProgress(ctx, false, 100, 5_000, () => clock);
    for (let done = 1; done <= 100; done++) {
      clock += 200; // a run every 0.2 s: 20 s in all
      p.update(done, 100, done >= 50 ? 1 : 0, 0);
    }
    p.stop();
    expect(err).toEqual([
      "sweep: 25/100 runs, 0 failure(s), 0 inconclusive, 5.0 runs/s, about 15 s left",
      "sweep: 50/100 runs, 1 failure(s), 0 inconclusive, 5.0 runs/s, about 10 s left",
      "sweep: 75/100 runs, 1 failure(s), 0 inconclusive, 5.0 runs/s, about 5 s left",
      "sweep: 100/100 runs, 1 failure(s), 0 inconclusive, 5.0 runs/s, about 0 s left",
    ]);
  });
});
