import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { terminalText } from "../../sim/cli/terminalText.ts";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

// Raw control characters a terminal acts on: C0 but tab and newline, DEL, C1, bidi overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("text printed to the terminal", () => {
  it("shows control characters as \\uXXXX escapes and keeps tabs, newlines and other text", () => {
    expect(terminalText("plain\ttext\nnext line, ünïcode ✓")).toBe("plain\ttext\nnext line, ünïcode ✓");
    expect(terminalText("\u001b]0;owned\u0007x")).toBe("\\u001b]0;owned\\u0007x");
    expect(terminalText("a\rb\u009b2Jc\u202edd\u007f")).toBe("a\\u000db\\u009b2Jc\\u202edd\\u007f");
  });

  it("carries no ESC sequence or OSC title from a scenario's name or node names; --json keeps the values", async () => {
    const name = "demo\u001b]0;owned\u0007\u001b[2J";
    const node = "n\u001b[31mred";
    const file = join(tempDir(), "evil.yaml");
    writeFileSync(
      file,
      `name: ${JSON.stringify(name)}\nduration: 2s\nprotocol: { name: register }\n` +
        `topology: { datacenters: [{ name: "dc\\e[1m", nodes: [${JSON.stringify(node)}, n2, n3] }] }\n`,
    );
    const human = await cli("run", file, "--no-trace-file");
    expect(human.code).toBe(0);
    expect(human.out).toContain("scenario   demo\\u001b]0;owned\\u0007\\u001b[2J (");
    expect(human.out + human.err).not.toMatch(RAW_CONTROL);
    const json = await cli("run", file, "--no-trace-file", "--json");
    expect(json.out).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.out).scenario).toBe(name);
    const validated = await cli("validate", file);
    expect(validated.out + validated.err).not.toMatch(RAW_CONTROL);
  });

  it("carries no control character from a file name or a flag in an error message", async () => {
    const missing = await cli("run", "\u001b[31mmissing.yaml");
    expectCleanError(missing, "cannot read \\u001b[31mmissing.yaml: no such file");
    expect(missing.err).not.toMatch(RAW_CONTROL);
    const flag = await cli("run", "scenarios/demo.yaml", "--\u001b]0;x\u0007");
    expect(flag.code).toBe(2);
    expect(flag.err).not.toMatch(RAW_CONTROL);
  });
});

describe("a trace given where a scenario file is expected", () => {
  it("is named as a trace, with the replay command for it, by run, validate and sweep, plain or gzip", async () => {
    const dir = tempDir();
    const trace = join(dir, "t.ndjson.gz");
    // 4: a 1s run ends before demo's faults stop, so liveness is inconclusive; the trace is written all the same.
    expect((await cli("run", "scenarios/demo.yaml", "--duration", "1s", "--trace", trace)).code).toBe(4);
    const plain = join(dir, "t.ndjson");
    expect((await cli("run", "scenarios/demo.yaml", "--duration", "1s", "--trace", plain)).code).toBe(4);
    for (const path of [trace, plain]) {
      const said =
        `${path} is a Faultline trace, not a scenario file (YAML or JSON): to re-run its scenario and seed, ` +
        `faultline replay ${path}`;
      expectCleanError(await cli("run", path), said);
      expectCleanError(await cli("sweep", path, "--seeds", "1"), said);
      const v = await cli("validate", path);
      expect(v.code).toBe(2);
      expect(v.out + v.err).toContain(said);
    }
  });

  it("says a gzip file that is not a trace is gzip-compressed, not YAML's parse error", async () => {
    const file = join(tempDir(), "demo.yaml.gz");
    writeFileSync(file, gzipSync("name: demo\n"));
    expectCleanError(await cli("run", file), `${file} is gzip-compressed, not a scenario file (YAML or JSON)`);
  });
});
