import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.ts";

describe("faultline replay", () => {
  const dir = tempDir();
  const gz = join(dir, "t.ndjson.gz");

  it("reproduces a fresh trace byte for byte, with the hash run --json reported, plain or gzip", async () => {
    const run = await cli("run", "scenarios/demo.yaml", "--seed", "3", "--duration", "3s", "--trace", gz, "--json");
    expect(run.code).toBe(0);
    const runHash = JSON.parse(run.out).traceHash as string;
    const r = await cli("replay", gz, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ reproduces: true, originalHash: runHash, replayHash: runHash, firstDifference: null });
    const plain = join(dir, "t.ndjson");
    writeFileSync(plain, gunzipSync(readFileSync(gz)));
    const p = await cli("replay", plain);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(new RegExp(`reproduces byte for byte \\(\\d+ events, hash ${runHash}\\)`));
  });

  it("reports the first line that differs when a trace does not reproduce, exit 1", async () => {
    const lines = gunzipSync(readFileSync(gz)).toString("utf8").split("\n");
    const at = lines.findIndex((l, i) => i > 40 && /"k":"send"/.test(l) && /"b":\d+/.test(l));
    expect(at).toBeGreaterThan(0);
    const edited = lines[at]?.replace(/"b":(\d+)/, (_m, b) => `"b":${Number(b) + 1}`) as string;
    lines[at] = edited;
    const file = join(dir, "edited.ndjson.gz");
    writeFileSync(file, gzipSync(lines.join("\n")));
    const r = await cli("replay", file, "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.reproduces).toBe(false);
    expect(j.firstDifference).toMatchObject({ line: at + 1, was: edited });
    expect(j.firstDifference.now).not.toBe(edited);
    expect(j.originalHash).not.toBe(j.replayHash);
    const text = await cli("replay", file);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`does NOT reproduce. First difference at line ${at + 1}:`);
  });

  it("says why when the only difference is Windows line endings (lines that print the same)", async () => {
    const text = gunzipSync(readFileSync(gz)).toString("utf8").replaceAll("\n", "\r\n");
    const file = join(dir, "crlf.ndjson");
    writeFileSync(file, text);
    const r = await cli("replay", file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/First difference at line 1:[\s\S]*the trace's line ends in \\r\\n: the file was converted to Windows line endings/);
  });

  it("says so when the file lacks its last newline", async () => {
    const text = gunzipSync(readFileSync(gz)).toString("utf8").replace(/\n$/, "");
    const file = join(dir, "no-newline.ndjson");
    writeFileSync(file, text);
    const r = await cli("replay", file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no newline at the end of the file/);
  });
});
