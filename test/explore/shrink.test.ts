import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { loadScenarioFile } from "../../sim/cli/scenarioFile.ts";
import { scenarioSize } from "../../sim/explore/shrink.ts";
import { cli, tempDir } from "../cli/helpers.ts";

const register = "scenarios/register-primary-backup.yaml";

describe("faultline shrink", () => {
  it("writes a smaller scenario that fails the same check, its trace, and the repro as the last line", async () => {
    const dir = tempDir();
    const trace = join(dir, "t.ndjson.gz");
    const failing = await cli("run", register, "--seed", "24", "--bug", "ack-before-replicate", "--trace", trace);
    expect(failing.code).toBe(1);
    const out = join(dir, "min.yaml");
    const r = await cli("shrink", trace, "--out", out, "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ check: "linearizability", scenario: out, trace: join(dir, "min.ndjson.gz") });
    expect(j.repro).toBe(`faultline run ${out} --seed 24`);
    const before = scenarioSize(loadScenarioFile(register, registry));
    const after = scenarioSize(loadScenarioFile(out, registry));
    expect(j.before).toEqual(before);
    expect(j.after).toEqual(after);
    expect(after.faults).toBeLessThan(before.faults);
    expect(after.durationMicros).toBeLessThan(before.durationMicros);
    // The shrunk file carries the bug: its repro needs no --bug, and it still fails the same check.
    const again = await cli("run", out, "--seed", "24", "--no-trace-file", "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).violations[0].check).toBe("linearizability");
    expect(existsSync(j.trace)).toBe(true);
    expect((await cli("replay", j.trace)).code).toBe(0);
    const text = await cli("shrink", trace, "--out", out);
    expect(text.out).toMatch(/scheduled faults 4 -> \d, duration 12s -> /);
    expect(text.out.trim().split("\n").at(-1)).toBe(`FAILED. repro: faultline run ${out} --seed 24`);
  }, 240_000);

  it("refuses a run that does not fail (exit 2): there is nothing to shrink", async () => {
    const dir = tempDir();
    const trace = join(dir, "ok.ndjson.gz");
    expect((await cli("run", register, "--seed", "24", "--trace", trace)).code).toBe(0);
    const r = await cli("shrink", trace, "--out", join(dir, "x.yaml"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("its run does not fail (verdict ok): there is nothing to shrink");
    expect(existsSync(join(dir, "x.yaml"))).toBe(false);
  }, 60_000);
});

describe("sweep --shrink", () => {
  it("shrinks the first failure and says where the smaller scenario is", () => {
    const dir = tempDir();
    const bin = join(import.meta.dirname, "../../bin/faultline.mjs");
    const file = join(import.meta.dirname, "../..", register);
    const r = spawnSync(
      process.execPath,
      [bin, "sweep", file, "--from", "23", "--seeds", "3", "--bug", "ack-before-replicate", "--shrink", "--json"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.failures[0].seed).toBe(24);
    expect(j.shrunk).toMatchObject({
      check: j.failures[0].check,
      scenario: "shrunk/register-primary-backup-seed24.yaml",
    });
    const shrunk = readFileSync(join(dir, j.shrunk.scenario), "utf8");
    expect(shrunk).toContain("ack-before-replicate");
    const run = spawnSync(process.execPath, [bin, "run", j.shrunk.scenario, "--seed", "24", "--no-trace-file"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
  }, 240_000);
});
