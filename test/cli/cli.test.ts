import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { workDir } from "./helpers.ts";

const root = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "faultline-cli-"));

/** The CLI as a user runs it, in a temp folder where scenarios/ is the checkout's (traces/ is written there). */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [resolve(root, "bin/faultline.mjs"), ...args], {
    cwd: workDir(),
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe("faultline CLI", () => {
  it("runs a scenario, writes its trace and exits 0 when every check holds", () => {
    const trace = join(tmp, "demo.ndjson.gz");
    const r = cli("run", "scenarios/demo.yaml", "--seed", "3", "--trace", trace, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ scenario: "demo", seed: 3, violations: [], trace });
    for (const k of ["events", "simulatedMicros", "wallMs"]) expect(typeof j[k]).toBe("number");
    for (const k of ["sent", "delivered", "dropped", "duplicated"]) expect(typeof j.messages[k]).toBe("number");
    expect(existsSync(trace)).toBe(true);
    const replay = cli("replay", trace);
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/reproduces byte for byte/);
  });

  it("exits 1 with a one-line repro when a check fails", () => {
    const r = cli(
      "sweep",
      "scenarios/register-primary-backup.yaml",
      "--seeds",
      "40",
      "--bug",
      "ack-before-replicate",
      "--json",
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.runs).toBe(40);
    expect(j.failures.length).toBeGreaterThan(0);
    const f = j.failures[0];
    expect(f).toMatchObject({ scenario: "register-primary-backup" });
    expect(f.repro).toBe(
      `faultline run scenarios/register-primary-backup.yaml --seed ${f.seed} --bug ack-before-replicate`,
    );
    const run = cli(
      "run",
      "scenarios/register-primary-backup.yaml",
      "--seed",
      String(f.seed),
      "--bug",
      "ack-before-replicate",
      "--trace",
      join(tmp, "fail.ndjson"),
    );
    expect(run.code).toBe(1);
    expect(run.out).toContain(`repro: ${f.repro}`);
    expect(run.out).toContain(join(tmp, "fail.ndjson"));
  });

  it.each([
    [["run", "scenarios/demo.yaml", "--seed", "abc"], /--seed: expected an integer, got "abc"/],
    [["run", "scenarios/demo.yaml", "--frobnicate"], /Unknown argument: frobnicate/],
    [["run", "missing.yaml"], /cannot read missing.yaml: no such file/],
    [["run", "scenarios/demo.yaml", "--duration", "10"], /--duration: expected a duration with a unit/],
    [["run", "scenarios/demo.yaml", "--bug", "nope"], /no bug variant "nope"/],
    [["replay", "missing.ndjson"], /cannot read missing.ndjson: no such file/],
    [["sweep", "scenarios/demo.yaml", "--seeds", "x"], /--seeds: expected an integer/],
    [["frob"], /unknown command "frob"/],
  ])("rejects %j with a clear message, exit 2 and no stack trace", (args, pattern) => {
    const r = cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    noStack(r.err);
  });

  it("rejects a bad scenario file naming the file and field, and leaves no trace file behind", () => {
    const bad = join(tmp, "bad.yaml");
    writeFileSync(
      bad,
      "name: x\nduration: 1s\nprotocol: { name: register }\ntopology: { datacenters: [{ name: a, nodes: 3 " +
        "}] }\nnetwork: { intraDc: { loss: 2 } }\n",
    );
    const out = join(tmp, "bad-out.ndjson");
    const r = cli("run", bad, "--trace", out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: network.intraDc.loss: expected a number in [0, 1], got 2`);
    noStack(r.err);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a Raft membership step that adds and removes at once (a two-server change), naming the step", () => {
    const bad = join(tmp, "two-server.yaml");
    const text = readFileSync(resolve(root, "scenarios/raft-membership.yaml"), "utf8").replace(
      "{ atMicros: 5000000, add: n5 }",
      "{ atMicros: 5000000, add: n5, remove: n3 }",
    );
    writeFileSync(bad, text);
    const r = cli("run", bad, "--no-trace-file");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: protocol.options.reconfigure[1]: expected one of add and remove, got both`);
    noStack(r.err);
  });

  it("rejects truncated and corrupt traces naming the line", () => {
    const good = join(tmp, "good.ndjson");
    expect(cli("run", "scenarios/demo.yaml", "--trace", good).code).toBe(0);
    const text = readFileSync(good, "utf8");
    const lines = text.split("\n");
    const truncated = join(tmp, "truncated.ndjson");
    writeFileSync(truncated, `${lines.slice(0, 100).join("\n")}\n`);
    const t = cli("replay", truncated);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/truncated: the trace ends at line \d+ without its end line/);
    const corrupt = join(tmp, "corrupt.ndjson");
    writeFileSync(corrupt, [...lines.slice(0, 50), "{not json", ...lines.slice(51)].join("\n"));
    const c = cli("replay", corrupt);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/line 51: not valid JSON/);
    noStack(c.err + t.err);
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("lists protocols as JSON", () => {
    const r = cli("protocols", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const register = j.protocols.find((p: { name: string }) => p.name === "register");
    expect(register.invariants).toContain("agreement");
    expect(register.bugs).toContain("ack-before-replicate");
    expect(register.options.map((o: { name: string }) => o.name)).toContain("mode");
  });

  it("validates scenario files", () => {
    expect(cli("validate", "scenarios/demo.yaml").code).toBe(0);
  });

  it("runs a benchmark workload in its own process and prints the JSON results", () => {
    const out = join(tmp, "bench.json");
    const r = cli("bench", "--only", "pending-1e3", "--json", "--out", out, "--runs", "3");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.results).toHaveLength(1);
    expect(j.results[0]).toMatchObject({ name: "pending-1e3", traced: false });
    expect(j.results[0].events).toBeGreaterThan(0);
    expect(j.results[0].eventsPerSecond).toBeGreaterThan(0);
    // The reported run is the median of the three.
    const runs = j.results[0].runs as number[];
    expect(runs).toHaveLength(3);
    expect([...runs].sort((a, b) => a - b)[1]).toBe(j.results[0].eventsPerSecond);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(j);
    const table = cli("bench", "--only", "pending-1e3", "--no-huge-pages", "--runs", "1");
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^pending-1e3 +\d+/m);
    expect(table.out).toMatch(/one run per workload; a fresh process per run, 4 KiB pages/);
  });

  it("compares against another checkout in back-to-back pairs (here: this checkout against itself)", () => {
    const r = cli("bench", "--only", "pending-1e3", "--runs", "1", "--against", root, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.results).toHaveLength(1);
    expect(j.against.dir).toBe(root);
    expect(j.against.results[0]).toMatchObject({ name: "pending-1e3", events: j.results[0].events });
    const c = j.against.comparisons[0];
    expect(c).toMatchObject({ name: "pending-1e3" });
    expect(c.ratios).toHaveLength(1);
    expect(c.ratio).toBeCloseTo(j.results[0].eventsPerSecond / j.against.results[0].eventsPerSecond, 9);
  });

  it("refuses --against a directory that is not a checkout, or with --no-isolate, with exit 2", () => {
    const notCheckout = cli("bench", "--only", "pending-1e3", "--against", tmp);
    expect(notCheckout.code).toBe(2);
    expect(notCheckout.err).toContain(`--against: ${tmp} has no bin/faultline.mjs`);
    noStack(notCheckout.err);
    const inProcess = cli("bench", "--only", "pending-1e3", "--against", root, "--no-isolate");
    expect(inProcess.code).toBe(2);
    expect(inProcess.err).toMatch(/--against .* cannot be combined with --no-isolate/);
  });

  it("refuses --against a checkout that lacks a chosen workload before running anything", () => {
    // An older checkout, as far as bench is concerned: its CLI knows only ping-5 and says so the way bench does.
    const older = mkdtempSync(join(tmpdir(), "faultline-older-"));
    mkdirSync(join(older, "bin"));
    mkdirSync(join(older, "node_modules"));
    writeFileSync(
      join(older, "bin", "faultline.mjs"),
      `const i = process.argv.indexOf("--only");
const asked = process.argv.slice(i + 1).filter((a) => !a.startsWith("--"));
const missing = asked.find((n) => n !== "ping-5");
if (missing) console.error('faultline: --only: no workload "' + missing + '" (workloads: ping-5)');
else console.error('faultline: --runs: expected a whole number from 1 to 100, got "0"');
process.exit(2);
`,
    );
    const r = cli(
      "bench",
      "--only",
      "pending-1e3",
      "--runs",
      "1",
      "--against",
      older,
      "--out",
      join(older, "out.json"),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--against: ${older} has no workload "pending-1e3" (workloads: ping-5)`);
    expect(r.err).not.toMatch(/internal error|pending-1e3 here/);
    expect(existsSync(join(older, "out.json"))).toBe(false);
    noStack(r.err);
  });

  it("rejects an unknown benchmark workload and a bad run count with exit 2", () => {
    const r = cli("bench", "--only", "nope");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--only: no workload "nope"/);
    noStack(r.err);
    for (const bad of ["0", "abc", "2.5", "101"]) {
      const b = cli("bench", "--only", "pending-1e3", "--runs", bad);
      expect(b.code).toBe(2);
      expect(b.err).toContain(`--runs: expected a whole number from 1 to 100, got "${bad}"`);
      noStack(b.err);
    }
  });
});
