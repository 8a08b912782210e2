import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT, workDir } from "./helpers.ts";

describe("the CLI as the tests run it", () => {
  it("writes a run's default trace into its temp working folder, never into the checkout's traces/", async () => {
    const cwd = process.cwd();
    const inCheckout = join(ROOT, "traces/demo-seed424242.ndjson.gz");
    const before = existsSync(inCheckout) ? statSync(inCheckout).mtimeMs : null;
    const r = await cli("run", "scenarios/demo.yaml", "--seed", "424242", "--duration", "1s");
    // 4: the run ends before demo's faults stop, so liveness is inconclusive; every other check held.
    expect(r.code).toBe(4);
    expect(r.out).toContain("trace      traces/demo-seed424242.ndjson.gz");
    expect(existsSync(join(workDir(), "traces/demo-seed424242.ndjson.gz"))).toBe(true);
    expect(existsSync(inCheckout) ? statSync(inCheckout).mtimeMs : null).toBe(before);
    expect(workDir().startsWith(ROOT)).toBe(false);
    expect(process.cwd()).toBe(cwd);
  });
});
