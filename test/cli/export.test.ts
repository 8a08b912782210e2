import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { main } from "../../sim/cli/main.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { toChromeTrace, toJepsenHistory, toShiViz } from "../../sim/trace/export/index.ts";
import { parseTrace } from "../../sim/trace/reader.ts";
import { runScenario } from "../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "faultline-export-"));

/** The CLI in a child process, as a user runs it. */
function spawned(...args: string[]) {
  const r = spawnSync(process.execPath, [resolve(root, "bin/faultline.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The CLI in this process (the same main(); a child process costs a second of start-up each). */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    registry,
    stdout: (t) => out.push(`${t}\n`),
    stderr: (t) => err.push(`${t}\n`),
    isTty: false,
  });
  return { code, out: out.join(""), err: err.join("") };
}

const scenario = parseScenario(
  readFileSync(resolve(root, "scenarios/register-primary-backup.yaml"), "utf8"),
  "register-primary-backup.yaml",
  registry,
);
const text =
  runScenario(scenario, { registry, seed: 1, durationMicros: 6_000_000, sink: "record" }).trace?.toNdjson() ?? "";
const plain = join(tmp, "trace.ndjson");
const gz = join(tmp, "trace.ndjson.gz");
writeFileSync(plain, text);
writeFileSync(gz, gzipSync(text));
const parsed = parseTrace(text, "trace");
const EXPECTED = {
  chrome: toChromeTrace(parsed.header, parsed.events, parsed.footer),
  shiviz: toShiViz(parsed.header, parsed.events, parsed.footer),
  jepsen: toJepsenHistory(parsed.header, parsed.events, parsed.footer),
};

/** Files in the temp folder other than the inputs: a half-written output or a leftover temporary file. */
const leftovers = (dir: string) =>
  readdirSync(dir).filter((f) => !f.startsWith("trace.") && !f.startsWith("bad") && !f.startsWith("keep"));

describe("faultline export", () => {
  it.each(["chrome", "shiviz", "jepsen"] as const)(
    "streams a gzip trace into %s, the same as exporting it in memory, to a file or stdout",
    async (format) => {
      const out = join(tmp, `out.${format}`);
      const r = spawned("export", gz, "--format", format, "--out", out);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(new RegExp(`wrote ${out} \\(\\d+ bytes, ${format}\\)`));
      expect(readFileSync(out, "utf8")).toBe(EXPECTED[format]);
      const s = spawned("export", plain, "--format", format);
      expect(s.code).toBe(0);
      expect(s.out).toBe(EXPECTED[format]);
    },
  );

  const lines = text.trimEnd().split("\n");
  const bad: [string, string | Buffer, RegExp][] = [
    [
      "cut mid-line",
      text.slice(0, Math.floor(text.length / 2)),
      /bad-cut-mid-line.ndjson: line \d+: truncated: the last line is cut off/,
    ],
    [
      "cut at a line end (no end line)",
      `${lines.slice(0, -1).join("\n")}\n`,
      /bad-cut-at-a-line-end.*: line \d+: truncated: the trace ends at line \d+ without its end line/,
    ],
    [
      "a corrupt line in the middle",
      `${[...lines.slice(0, 500), "{not json", ...lines.slice(500)].join("\n")}\n`,
      /bad-a-corrupt-line.*: line 501: not valid JSON/,
    ],
    [
      "a gzip stream cut short",
      gzipSync(text).subarray(0, 4000),
      new RegExp(
        /bad-a-gzip-stream[^:]*: corrupt or truncated gzip data \(unexpected end of file\)/.source +
          / after line [1-9]\d*, the last read whole/.source,
      ),
    ],
    ["not a trace", "hello\n", /bad-not-a-trace.ndjson: line 1: not valid JSON/],
  ];
  it.each(bad)("rejects a trace %s with exit 2, naming the file, writing nothing", async (what, content, pattern) => {
    const input = join(tmp, `bad-${what.replaceAll(/[^a-z]+/g, "-")}.ndjson`);
    writeFileSync(input, content);
    const keep = join(tmp, "keep.json");
    writeFileSync(keep, "previous contents");
    for (const format of ["chrome", "shiviz", "jepsen"]) {
      const out = join(tmp, `result.${format}`);
      const r = await cli("export", input, "--format", format, "--out", out);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err).not.toMatch(/^\s+at /m);
      expect(existsSync(out)).toBe(false);
      const toStdout = await cli("export", input, "--format", format);
      expect(toStdout.code).toBe(2);
      expect(toStdout.out).toBe("");
      const over = await cli("export", input, "--format", format, "--out", keep);
      expect(over.code).toBe(2);
      expect(readFileSync(keep, "utf8")).toBe("previous contents");
    }
    expect(leftovers(tmp).filter((f) => f.startsWith("result") || f.startsWith("."))).toEqual([]);
  });

  it.each([
    [
      ["export", "TRACE", "--format", "xml"],
      /--format: unknown format "xml" \(expected one of: chrome, shiviz, jepsen\)/,
    ],
    [["export", "TRACE"], /Missing required argument: format/],
    [["export", "missing.ndjson", "--format", "chrome"], /cannot read missing.ndjson: no such file/],
    [["export", "DIR", "--format", "chrome"], /cannot read .*: it is a directory/],
  ])("rejects %j with a clear message and exit 2", async (args, pattern) => {
    const r = await cli(...(args as string[]).map((a) => (a === "TRACE" ? plain : a === "DIR" ? tmp : a)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.out).toBe("");
  });

  it.each([
    [
      "a directory that cannot be created (under /proc)",
      () => "/proc/faultline-no-such/dir/out.json",
      /cannot create directory \/proc\/faultline-no-such\/dir: ENOENT.*mkdir .\/proc\/faultline-no-such.$/m,
    ],
    [
      "a path through a regular file",
      () => join(plain, "sub", "out.json"),
      /cannot create directory .*trace\.ndjson\/sub: ENOTDIR/,
    ],
  ])("rejects an --out in %s with exit 2 instead of hanging", async (_what, outPath, pattern) => {
    const r = await cli("export", plain, "--format", "chrome", "--out", outPath());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it(
    "names --out, not the trace, when the output's device " + "is full (a write that fails while the trace is read)",
    async () => {
      for (const name of ["keep-demo.ndjson", "keep-demo.ndjson.gz"]) {
        const input = join(tmp, name);
        expect((await cli("run", "scenarios/demo.yaml", "--trace", input)).code).toBe(0);
        // Its Chrome trace is more than one 1 MiB piece, so the first piece is written while the trace is still read.
        expect((await cli("export", input, "--format", "chrome")).out.length).toBeGreaterThan(1 << 20);
        const r = await cli("export", input, "--format", "chrome", "--out", "/dev/full");
        expect(r.code).toBe(2);
        expect(r.err).toBe("faultline: cannot write /dev/full: no space left on device (ENOSPC)\n");
      }
    },
  );

  it("leaves nothing in the temp folder when Ctrl-C arrives while exporting to stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-export-sig-"));
    const scenario = join(dir, "echo.yaml");
    writeFileSync(
      scenario,
      "name: echo-busy\nduration: 100ms\nprotocol: { name: echo, options: { inFlight: 200 } }\ntopology: { " +
        "datacenters: [{ name: a, nodes: 5 }] }\n",
    );
    const trace = join(dir, "busy.ndjson.gz");
    expect((await cli("run", scenario, "--trace", trace)).code).toBe(0);
    const temp = join(dir, "tmp");
    mkdirSync(temp);
    const child = spawn(process.execPath, [resolve(root, "bin/faultline.mjs"), "export", trace, "--format", "chrome"], {
      cwd: root,
      stdio: "ignore",
      env: { ...process.env, TMPDIR: temp },
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, sig) => r(sig)));
    // Wait until the export's scratch file has content: the trace is being read and the output written.
    // (tsx keeps its cache there too)
    const scratch = () => readdirSync(temp).filter((d) => d.startsWith("faultline-export-"));
    const writing = () =>
      scratch().some((d) =>
        readdirSync(join(temp, d)).some((f) => (statSync(join(temp, d, f), { throwIfNoEntry: false })?.size ?? 0) > 0),
      );
    const until = Date.now() + 30_000;
    while (!writing() && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(child.exitCode).toBe(null);
    child.kill("SIGINT");
    expect(await exited).toBe("SIGINT");
    expect(scratch()).toEqual([]);
  }, 60_000);

  it("creates missing directories of --out, level by level", async () => {
    const out = join(tmp, "nested", "a", "b", "out.json");
    const r = await cli("export", plain, "--format", "chrome", "--out", out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(EXPECTED.chrome);
  });
});
