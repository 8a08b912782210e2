import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { firstInvalidUtf8 } from "../../sim/cli/traceFile.ts";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

describe("faultline replay", () => {
  const dir = tempDir();
  const gz = join(dir, "t.ndjson.gz");

  it("reproduces a fresh trace byte for byte, with the hash run --json reported, plain or gzip", async () => {
    const run = await cli("run", "scenarios/demo.yaml", "--seed", "3", "--duration", "3s", "--trace", gz, "--json");
    expect(run.code).toBe(4); // 3s ends before demo.yaml's faults stop: liveness not checked, inconclusive
    const runHash = JSON.parse(run.out).traceHash as string;
    const r = await cli("replay", gz, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      reproduces: true,
      originalHash: runHash,
      replayHash: runHash,
      firstDifference: null,
    });
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
    expect(r.out).toMatch(
      new RegExp(
        /First difference at line 1:[\s\S]*the trace's line ends in \\r\\n/.source +
          /: the file was converted to Windows line endings/.source,
      ),
    );
  });

  it("rejects a damaged byte as corrupt, naming its line, deep in the file or across a read's pieces", async () => {
    const bytes = gunzipSync(readFileSync(gz));
    const lineOf = (b: Uint8Array, at: number) => b.subarray(0, at).filter((c) => c === 0x0a).length + 1;
    // A byte in the middle of a line far into the file (past the first 64 KiB read), then the second byte of a
    // two-byte character that starts exactly where the piece before it ends.
    for (const at of [Math.floor(bytes.length * 0.8), 1 << 16]) {
      const damaged = Buffer.from(bytes);
      if (at === 1 << 16) {
        damaged[at - 1] = 0xc3; // begins a character, whose second byte...
        damaged[at] = 0x41; // ...is not a continuation byte
      } else damaged[at] = 0xff;
      const file = join(dir, `damaged-${at}.ndjson`);
      writeFileSync(file, damaged);
      expectCleanError(
        await cli("replay", file),
        `${file}: line ${lineOf(damaged, at)}: not valid UTF-8 (a damaged or foreign byte); the trace is corrupt`,
      );
    }
  });

  fcTest.prop([fc.uint8Array({ maxLength: 40 })])("finds the first byte a UTF-8 decoder rejects", (raw) => {
    const b = Uint8Array.from([0x41, ...raw]); // a piece that starts a character, as a whole stream does
    const at = firstInvalidUtf8(b);
    const decodes = (x: Uint8Array) => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(x, { stream: true });
        return true;
      } catch {
        return false;
      }
    };
    expect(decodes(b.subarray(0, at))).toBe(true);
    expect(decodes(b)).toBe(at === b.length);
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
