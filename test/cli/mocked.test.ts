/**
 * CLI behaviour that needs a seam: was the simulation run at all, a write that fails after the run, was the viewer
 * built.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

const spies = vi.hoisted(() => ({ runs: 0, failWrite: null as string | null, builds: 0 }));

vi.mock("../../sim/world/simulation.ts", async (load) => {
  const real = await load<typeof import("../../sim/world/simulation.ts")>();
  return {
    ...real,
    runScenario: (...a: Parameters<typeof real.runScenario>) => (spies.runs++, real.runScenario(...a)),
  };
});
vi.mock("../../sim/cli/traceFile.ts", async (load) => {
  const real = await load<typeof import("../../sim/cli/traceFile.ts")>();
  const { UsageError } = await import("../../sim/cli/command.ts");
  return {
    ...real,
    writeTraceFile: (...a: Parameters<typeof real.writeTraceFile>) => {
      if (spies.failWrite === null) return real.writeTraceFile(...a);
      const out = a[0];
      if (typeof out !== "string") real.abandonOutput(out);
      throw new UsageError(spies.failWrite);
    },
  };
});
vi.mock("../../sim/cli/viewServer.ts", async (load) => {
  const real = await load<typeof import("../../sim/cli/viewServer.ts")>();
  return { ...real, ensureViewerBuilt: async () => void spies.builds++ };
});

beforeEach(() => {
  spies.runs = 0;
  spies.failWrite = null;
  spies.builds = 0;
});

describe("an unwritable --trace", () => {
  it("is reported before the run starts (exit 2, nothing run)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "");
    const r = await cli(
      "run",
      "scenarios/register-primary-backup.yaml",
      "--trace",
      join(dir, "file", "sub", "t.ndjson"),
    );
    expectCleanError(r, /cannot create directory .*file\/sub: ENOTDIR/);
    expect(spies.runs).toBe(0);
    expect(r.out).toBe("");
  });

  it(
    "that fails after a failed run still gets the summary " + "and the repro (exit 1), and the error on stderr",
    async () => {
      spies.failWrite = "cannot write t.ndjson: no space left on device (ENOSPC)";
      const dir = tempDir();
      const r = await cli(
        "run",
        "scenarios/register-primary-backup.yaml",
        "--seed",
        "24",
        "--bug",
        "ack-before-replicate",
        "--trace",
        join(dir, "t.ndjson"),
      );
      expect(r.code).toBe(1);
      expect(r.out).toContain("scenario   register-primary-backup");
      expect(r.out).toContain("trace      NOT written: cannot write t.ndjson: no space left on device (ENOSPC)");
      expect(r.out.trimEnd().split("\n").at(-1)).toBe(
        "FAILED. repro: faultline run scenarios/register-primary-backup.yaml --seed 24 --bug ack-before-replicate",
      );
      expect(r.err).toContain("faultline: cannot write t.ndjson: no space left on device (ENOSPC)");
    },
  );

  it("that fails after a passing run is exit 2 with the summary", async () => {
    spies.failWrite = "cannot write t.ndjson: no space left on device (ENOSPC)";
    const r = await cli(
      "run",
      "scenarios/register-primary-backup.yaml",
      "--seed",
      "1",
      "--trace",
      join(tempDir(), "t.ndjson"),
    );
    expect(r.code).toBe(2);
    expect(r.out).toContain("trace      NOT written");
  });
});

describe("bench --out", () => {
  it("is checked before any benchmark runs", async () => {
    const r = await cli("bench", "--only", "pending-1e3", "--no-isolate", "--runs", "1", "--out", tempDir());
    expectCleanError(r, /cannot write .*: it is a directory/);
    expect(spies.runs).toBe(0);
  });
});

describe("view", () => {
  it("checks the trace before building the viewer", async () => {
    expectCleanError(await cli("view", "missing.gz"), "cannot read missing.gz: no such file");
    expect(spies.builds).toBe(0);
  });
});
