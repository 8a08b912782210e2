import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { reproLine, shellQuote } from "../../sim/explore/repro.ts";
import { cli, tempDir, workDir } from "./helpers.ts";

/** Split a repro line the way a POSIX shell would (only the quoting reproLine produces: bare words and '...'). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string));
  return words;
}

describe("repro lines", () => {
  it("quote what a shell would split, and nothing else", () => {
    expect(shellQuote("scenarios/demo.yaml")).toBe("scenarios/demo.yaml");
    expect(shellQuote("/tmp/my echo.yaml")).toBe("'/tmp/my echo.yaml'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("$(rm -rf ~)")).toBe("'$(rm -rf ~)'");
    expect(shellQuote("")).toBe("''");
    expect(reproLine({ file: "a b.yaml", seed: 3, duration: "20s", bugs: ["x", "x", "y"] })).toBe(
      "faultline run 'a b.yaml' --seed 3 --duration 20s --bug x --bug y",
    );
  });

  it("a failing run's repro carries --duration and every --bug, quotes the path, and is the last line", async () => {
    const dir = join(tempDir(), "my dir");
    mkdirSync(dir);
    const file = join(dir, "my echo.yaml");
    copyFileSync("scenarios/register-primary-backup.yaml", file);
    const r = await cli(
      "run",
      file,
      "--seed",
      "24",
      "--duration",
      "20s",
      "--bug",
      "ack-before-replicate",
      "--trace",
      join(dir, "t.ndjson"),
    );
    expect(r.code).toBe(1);
    const repro = `faultline run '${file}' --seed 24 --duration 20s --bug ack-before-replicate`;
    const lines = r.out.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(`FAILED. repro: ${repro}`);
    expect(r.out).toContain(`view it:   npx faultline view '${join(dir, "t.ndjson")}'`);
    // The repro, run as a shell would split it, fails the same way.
    const again = await cli(...shellWords(repro).slice(1), "--no-trace-file");
    expect(again.code).toBe(1);
    expect(again.out.trimEnd().split("\n").at(-1)).toBe(`FAILED. repro: ${repro}`);
  });

  it("sweep's repro strings (text and --json) are quoted the same way", async () => {
    const dir = join(tempDir(), "my dir");
    mkdirSync(dir);
    const file = join(dir, "rpb.yaml");
    copyFileSync("scenarios/register-primary-backup.yaml", file);
    const j = await cli("sweep", file, "--from", "24", "--seeds", "1", "--bug", "ack-before-replicate", "--json");
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).failures[0].repro).toBe(`faultline run '${file}' --seed 24 --bug ack-before-replicate`);
    const t = await cli("sweep", file, "--from", "24", "--seeds", "1", "--bug", "ack-before-replicate");
    expect(t.out).toContain(`repro: faultline run '${file}' --seed 24 --bug ack-before-replicate`);
  });
});

describe("sweep failures", () => {
  const path = "traces/raft-persistence-seed53.ndjson.gz";

  it("come with their traces, re-run traced and written where run would write them", async () => {
    rmSync(join(workDir(), path), { force: true });
    const j = await cli(
      "sweep",
      "scenarios/raft-persistence.yaml",
      "--from",
      "52",
      "--seeds",
      "3",
      "--bug",
      "forget-vote",
      "--json",
    );
    expect(j.code).toBe(1);
    const f = JSON.parse(j.out).failures;
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ seed: 53, check: "raft.election-safety", trace: path });
    const text = gunzipSync(readFileSync(join(workDir(), path))).toString("utf8");
    expect(text).toMatch(/"k":"violation","check":"raft.election-safety"/);
    const t = await cli(
      "sweep",
      "scenarios/raft-persistence.yaml",
      "--from",
      "53",
      "--seeds",
      "1",
      "--bug",
      "forget-vote",
    );
    expect(t.out).toContain(`     trace: ${path}  (npx faultline view ${path})`);
  });

  it("are still reported, exit 1, when their traces cannot be written (a warning says why)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "traces"), "not a directory");
    const bin = join(import.meta.dirname, "../../bin/faultline.mjs");
    const scenario = join(import.meta.dirname, "../../scenarios/raft-persistence.yaml");
    const r = spawnSync(
      process.execPath,
      [bin, "sweep", scenario, "--from", "53", "--seeds", "1", "--bug", "forget-vote", "--json"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).failures[0]).toMatchObject({ seed: 53, check: "raft.election-safety", trace: null });
    expect(r.stderr).toMatch(
      new RegExp(
        /^faultline: warning: cannot write traces\//.source +
          /raft-persistence-seed53\.ndjson\.gz: .*ENOTDIR.*listed without traces/.source,
        "m",
      ),
    );
  });

  it("of two files with one scenario name, on the same seed, each keep their own trace", () => {
    const dir = tempDir();
    const original = join(import.meta.dirname, "../../scenarios/raft-figure8.yaml");
    const shorter = join(dir, "figure8-9s.yaml");
    writeFileSync(shorter, readFileSync(original, "utf8").replace(/^duration: .*$/m, "duration: 9s"));
    const bin = join(import.meta.dirname, "../../bin/faultline.mjs");
    const r = spawnSync(
      process.execPath,
      [bin, "sweep", original, shorter, "--seeds", "1", "--bug", "commit-old-term", "--json"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    const failures = JSON.parse(r.stdout).failures as { seed: number; trace: string }[];
    expect(failures.map((f) => [f.seed, f.trace])).toEqual([
      [1, "traces/raft-figure8-seed1.ndjson.gz"],
      [1, "traces/raft-figure8-seed1-2.ndjson.gz"],
    ]);
    const duration = (trace: string) =>
      JSON.parse(
        gunzipSync(readFileSync(join(dir, trace)))
          .toString("utf8")
          .split("\n")[0] as string,
      ).scenario.durationMicros;
    expect(failures.map((f) => duration(f.trace))).toEqual([12_000_000, 9_000_000]);
    // With --no-traces, each failure's hint names the path its trace would have had.
    const hints = spawnSync(
      process.execPath,
      [bin, "sweep", original, shorter, "--seeds", "1", "--bug", "commit-old-term", "--no-traces"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(hints.stdout.match(/--trace \S+/g)).toEqual([
      "--trace traces/raft-figure8-seed1.ndjson.gz",
      "--trace traces/raft-figure8-seed1-2.ndjson.gz",
    ]);
  });

  it("stop at Ctrl-C or a kill after the run in progress, and still report the failures found so far", async () => {
    const bin = join(import.meta.dirname, "../../bin/faultline.mjs");
    const file = join(import.meta.dirname, "../../scenarios/register-primary-backup.yaml");
    // Loaded before the CLI: says on stderr when a handler for a signal is added with process.once (the sweep's way),
    // naming the signal.
    const probe = join(tempDir(), "probe.mjs");
    writeFileSync(
      probe,
      "const once = process.once.bind(process);\n" +
        "process.once = (e, l) => (once(e, l), e.startsWith('SIG') && " +
        "process.stderr.write('probe: ' + e + '\\n'), process);\n",
    );
    for (const [signal, bug, code] of [
      ["SIGINT", ["--bug", "ack-before-replicate"], 1],
      ["SIGTERM", [], 143],
    ] as const) {
      // Seed 24 fails with the bug; a million seeds would take hours.
      const child = spawn(
        process.execPath,
        ["--import", probe, bin, "sweep", file, "--from", "24", "--seeds", "1000000", ...bug, "--json"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
      // Signal it once the sweep's handler for that very signal is in place (the probe says so on stderr). The sweep
      // adds SIGINT's handler, then SIGTERM's: waiting for SIGINT's before sending SIGTERM raced with the second
      // (under load the child can be descheduled right after the probe's write), and a SIGTERM before its handler
      // ends the process (exit null). Waiting for CPU time instead raced with start-up, and /proc's SigCgt cannot
      // tell either: Node catches SIGINT and SIGTERM from the start.
      await new Promise<void>((r) => {
        const seen = () => (err.includes(`probe: ${signal}\n`) || child.exitCode !== null ? r() : setTimeout(seen, 10));
        seen();
      });
      child.kill(signal);
      expect(await exited, err).toBe(code);
      const j = JSON.parse(out);
      expect(j.interrupted).toBe(true);
      expect(j.runs).toBeGreaterThanOrEqual(1);
      expect(j.runs).toBeLessThan(1_000_000);
      if (bug.length > 0)
        expect(j.failures[0]).toMatchObject({
          seed: 24,
          trace: null,
          repro: `faultline run ${file} --seed 24 --bug ack-before-replicate`,
        });
      else expect(j.failures).toEqual([]);
      expect(err).toContain(`faultline: sweep interrupted (${signal}) after ${j.runs} of 1000000 runs`);
    }
  }, 90_000);

  it("with --no-traces, say how to get the trace instead of writing it", async () => {
    rmSync(path, { force: true });
    const t = await cli(
      "sweep",
      "scenarios/raft-persistence.yaml",
      "--from",
      "53",
      "--seeds",
      "1",
      "--bug",
      "forget-vote",
      "--no-traces",
    );
    expect(t.code).toBe(1);
    expect(t.out).toContain(
      `     trace: faultline run scenarios/raft-persistence.yaml --seed 53 --bug forget-vote --trace ${path}`,
    );
    expect(existsSync(path)).toBe(false);
  });
});

describe("a scenario with trace: { enabled: false }", () => {
  const dir = tempDir();
  const file = join(dir, "off.yaml");
  writeFileSync(
    file,
    readFileSync("scenarios/register-primary-backup.yaml", "utf8").replace(
      /^seed: .*$/m,
      "$&\ntrace: { enabled: false }",
    ),
  );

  it("writes no trace and says tracing is off", async () => {
    const trace = join(workDir(), "traces/register-primary-backup-seed987654321.ndjson.gz");
    rmSync(trace, { force: true });
    const r = await cli("run", file, "--seed", "987654321", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).trace).toBeNull();
    const h = await cli("run", file, "--seed", "987654321");
    expect(h.out).toContain("trace      off (the scenario sets trace.enabled: false; --trace FILE writes one)");
    expect(h.out).not.toContain("view it");
    expect(existsSync(trace)).toBe(false);
  });

  it("writes the trace when --trace asks for one", async () => {
    const out = join(dir, "asked.ndjson");
    const r = await cli("run", file, "--seed", "1", "--trace", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`trace      ${out} (`);
    expect(readFileSync(out, "utf8")).toMatch(/^\{"format":"faultline-trace"/);
  });

  it("a failing run still prints its repro last, and how to get its trace", async () => {
    const r = await cli("run", file, "--seed", "24", "--bug", "ack-before-replicate");
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(`FAILED. repro: faultline run ${file} --seed 24 --bug ack-before-replicate`);
    expect(r.out).toContain(
      `to get this run's trace: faultline run ${file} --seed 24 --bug ack-before-replicate --trace ` +
        `traces/register-primary-backup-seed24.ndjson.gz`,
    );
  });
});

describe("the liveness verdict", () => {
  it("says INCONCLUSIVE, never OK, when the run ends before faults stop, exits 4; --json carries it", async () => {
    const cut = await cli("run", "scenarios/demo.yaml", "--duration", "8s");
    expect(cut.code).toBe(4);
    expect(cut.out).toMatch(/^INCONCLUSIVE\. repro: faultline run scenarios\/demo\.yaml --seed 1 --duration 8s$/m);
    expect(cut.out).toMatch(
      new RegExp(
        /^liveness +INCONCLUSIVE, not checked \(leader, client-ok within 4s of the last fault\)/.source +
          /: faults stop at 10\.5s, not before the run's end at 8s$/.source,
        "m",
      ),
    );
    const json = await cli("run", "scenarios/demo.yaml", "--json");
    expect(JSON.parse(json.out).liveness).toMatchObject({ verdict: "ok", quietAtMicros: 10_500_000 });
  });
});

describe("run metrics", () => {
  it("prints what clients saw and what the network carried, and gives the same numbers in --json", async () => {
    const t = await cli("run", "scenarios/demo.yaml", "--seed", "1", "--no-trace-file");
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^bytes {6}[\d.]+ KiB sent, [\d.]+ KiB of them across DCs$/m);
    const share = String.raw`[\d.]+% ok \(up [\d.]+%\)`;
    expect(t.out).toMatch(new RegExp(`^(available| {9}) {2}us-east: reads ${share}, writes ${share}$`, "m"));
    expect(t.out).toMatch(/^consistent 100\.0% of reads saw the latest acknowledged write \(\d+\/\d+\)$/m);
    const j = JSON.parse((await cli("run", "scenarios/demo.yaml", "--seed", "1", "--no-trace-file", "--json")).out);
    expect(j.messages.crossDcBytes).toBeGreaterThan(0);
    expect(j.messages.crossDcBytes).toBeLessThan(j.messages.bytes);
    const writes = j.clientMetrics.availability.find((a: { service: string }) => a.service === "us-east writes");
    expect(t.out).toContain(
      `writes ${(writes.okRatio * 100).toFixed(1)}% ok (up ${(writes.uptimeRatio * 100).toFixed(1)}%)`,
    );
    expect(j.clientMetrics.consistency.ratio).toBe(1);
    expect(j.protocolMetrics).toEqual([]);
  });
});

describe("window checks in the run summary", () => {
  it("prints one line per window with its span and verdict, and exits 1 when nothing-commits is broken", async () => {
    const ok = await cli("run", "scenarios/raft-follower-down.yaml", "--no-trace-file");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /^windows {4}progress during the crash of n4 \(4s-9s\): OK \(leader, client-ok-write seen;/m,
    );
    expect(ok.out).toMatch(/^ {11}progress during the crash of n5 \(2s-14s\): OK /m);
    const bad = await cli(
      "run",
      "scenarios/paxos-majority-down.yaml",
      "--seed",
      "1",
      "--bug",
      "learn-from-minority",
      "--no-trace-file",
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^windows {4}nothing commits during 3s-6s: VIOLATED \(client-ok-write happened\)$/m);
  });
});
