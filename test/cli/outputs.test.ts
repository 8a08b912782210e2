import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

const SHORT = ["run", "scenarios/demo.yaml", "--duration", "50ms"];
/** SHORT ends long before demo.yaml's faults stop, so liveness is not checked: inconclusive, exit 4 (never 0). */
const SHORT_CODE = 4;
const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;

describe("output files", () => {
  it("leaves nothing in the output's folder while a run is in progress, so an interrupted run leaves no file " +
    "behind", async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [
        "bin/faultline.mjs",
        "run",
        "scenarios/demo.yaml",
        "--duration",
        "100000s",
        "--trace",
        join(dir, "sub", "t.ndjson.gz"),
      ],
      { stdio: "ignore" },
    );
    try {
      // The output's path is checked (its folder created) before the run starts; wait for that, then look mid-run.
      const until = Date.now() + 20_000;
      while (!existsSync(join(dir, "sub")) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(child.exitCode).toBe(null); // still running
      expect(readdirSync(join(dir, "sub"))).toEqual([]);
    } finally {
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    }
    expect(readdirSync(join(dir, "sub"))).toEqual([]);
  }, 30_000);

  it("leaves no temporary file behind when Ctrl-C or a kill arrives while the trace is being written", async () => {
    const dir = tempDir();
    // Echo on five nodes in one DC: a third of a million events in 200ms simulated, a trace that takes seconds to
    // write.
    const scenario = join(dir, "echo.yaml");
    writeFileSync(
      scenario,
      "name: echo-busy\nduration: 200ms\nprotocol: { name: echo, options: { inFlight: 200 } }\ntopology: { " +
        "datacenters: [{ name: a, nodes: 5 }] }\n",
    );
    for (const [name, signal] of [
      ["t.ndjson.gz", "SIGINT"],
      ["t.ndjson", "SIGTERM"],
    ] as const) {
      const out = join(dir, "out");
      mkdirSync(out);
      const child = spawn(process.execPath, ["bin/faultline.mjs", "run", scenario, "--trace", join(out, name)], {
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, sig) => r(sig)));
      const until = Date.now() + 30_000;
      // Wait for the temporary file to fill (openOutput's empty probe of it, before the run, comes and goes at once).
      const writing = () =>
        readdirSync(out).some((f) => f.includes(".tmp-") && statSync(join(out, f), { throwIfNoEntry: false })?.size);
      while (!writing() && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(child.exitCode).toBe(null); // still writing
      child.kill(signal);
      expect(await exited).toBe(signal); // ended by the signal, as it would have been without the handler
      expect(readdirSync(out)).toEqual([]);
      rmSync(out, { recursive: true });
    }
  }, 60_000);

  it("follows a symlink: the file it points to is written and the link stays a link", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    const target = join(dir, "real", "t.ndjson.gz");
    writeFileSync(target, "old");
    const link = join(dir, "link.gz");
    symlinkSync(target, link);
    const r = await cli(...SHORT, "--trace", link);
    expect(r.code).toBe(SHORT_CODE);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(gunzipSync(readFileSync(target)).toString("utf8")).toMatch(/^\{"format":"faultline-trace"/);
    expect(readdirSync(dir).sort()).toEqual(["link.gz", "real"]);
    expect(readdirSync(join(dir, "real"))).toEqual(["t.ndjson.gz"]);
  });

  it("follows a dangling relative symlink and creates the file where it points", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    symlinkSync("real/new.ndjson", join(dir, "link.ndjson"));
    const r = await cli(...SHORT, "--trace", join(dir, "link.ndjson"));
    expect(r.code).toBe(SHORT_CODE);
    expect(lstatSync(join(dir, "link.ndjson")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real", "new.ndjson"), "utf8")).toMatch(/^\{"format":"faultline-trace"/);
  });

  it("writes into /dev/null without replacing it, and offers no viewer for it", async () => {
    const r = await cli(...SHORT, "--trace", "/dev/null");
    expect(r.code).toBe(SHORT_CODE);
    expect(r.out).toMatch(/^trace {6}\/dev\/null \(\d+ events\)$/m);
    expect(r.out).not.toMatch(/view it/);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("writes the trace into a pipe named /dev/stdout (a link to /proc/self/fd/1, which links to pipe:[N])", () => {
    // Through a shell pipe: a child process's stdout here would be a socket, which no path opens.
    const r = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" bin/faultline.mjs ${SHORT.join(" ")} --trace /dev/stdout | cat`],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\{"format":"faultline-trace"/);
    expect(r.stdout).toMatch(/^\{"k":"end".*\n(.|\n)*^trace {6}\/dev\/stdout \(\d+ events\)$/m);
    const socket = spawnSync(process.execPath, ["bin/faultline.mjs", ...SHORT, "--trace", "/dev/stdout"], {
      encoding: "utf8",
    });
    expect(socket.status).toBe(2);
    expect(socket.stderr).toBe(
      "faultline: cannot write /dev/stdout: it is a socket, which cannot be opened as a file\n",
    );
  });

  it("streams a gzip trace of many pieces that reads back as the whole trace", async () => {
    const { writeTraceFile } = await import("../../sim/cli/traceFile.ts");
    const { runScenario } = await import("../../sim/world/simulation.ts");
    const { pingScenario } = await import("../../bench/workloads/ping.ts");
    const { registry } = await import("../../protocols/index.ts");
    const r = runScenario(pingScenario(30_000_000, true), { registry, sink: "record" });
    const text = r.trace?.toNdjson() ?? "";
    expect(text.length).toBeGreaterThan(4 << 20); // several 1 MiB pieces
    const path = join(tempDir(), "t.ndjson.gz");
    await writeTraceFile(path, r.trace as NonNullable<typeof r.trace>);
    expect(gunzipSync(readFileSync(path)).toString("utf8")).toBe(text);
  });

  it("reports a full device under a gzip trace as bad output, exit 2 (a symlink to /dev/full)", async () => {
    const dir = tempDir();
    const link = join(dir, "t.ndjson.gz");
    symlinkSync("/dev/full", link);
    expectCleanError(await cli(...SHORT, "--trace", link), `cannot write ${link}: no space left on device (ENOSPC)`);
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true);
  });

  it("writes lines of any length and any characters exactly, through the line writer and the gzip stream", async () => {
    const { lineWriter, writeTraceFile } = await import("../../sim/cli/traceFile.ts");
    const long = "x".repeat(3 << 20);
    const lines = [
      "plain",
      "é€ 😀 \u2028",
      long,
      ...Array.from({ length: 40_000 }, (_, i) => `line ${i} ${"é".repeat(i % 50)}`),
      ...Array.from({ length: 30_000 }, (_, i) => `${i} ${"€".repeat(40)}`),
      "",
      "end",
    ];
    const expected = `${lines.join("\n")}\n`;
    const dir = tempDir();
    const plain = join(dir, "lines.txt");
    const fd = openSync(plain, "w");
    const w = lineWriter(fd);
    for (const l of lines) w.write(l);
    const bytes = w.end();
    closeSync(fd);
    expect(readFileSync(plain, "utf8")).toBe(expected);
    expect(bytes).toBe(Buffer.byteLength(expected));
    const gz = join(dir, "lines.gz");
    await writeTraceFile(gz, { lines: () => lines[Symbol.iterator]() } as unknown as Parameters<
      typeof writeTraceFile
    >[1]);
    expect(gunzipSync(readFileSync(gz)).toString("utf8")).toBe(expected);
  });

  it("keeps the permissions of a trace file it replaces", async () => {
    const file = join(tempDir(), "t.ndjson");
    writeFileSync(file, "old");
    chmodSync(file, 0o640);
    const r = await cli(...SHORT, "--trace", file);
    expect(r.code).toBe(SHORT_CODE);
    expect(readFileSync(file, "utf8")).toMatch(/^\{"format":"faultline-trace"/);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it("rejects a directory as the output, exit 2", async () => {
    const dir = tempDir();
    expectCleanError(await cli(...SHORT, "--trace", dir), `cannot write ${dir}: it is a directory`);
  });

  it(
    "rejects a path ending in / (a directory), exit 2, " + "rather than writing or replacing a file of that name",
    async () => {
      const dir = tempDir();
      writeFileSync(join(dir, "old.ndjson"), "keep");
      for (const out of [`${join(dir, "new")}/`, `${join(dir, "old.ndjson")}/`]) {
        expectCleanError(
          await cli(...SHORT, "--trace", out),
          `cannot write ${out}: a path ending in "/" names a directory, expected a file path`,
        );
        expectCleanError(
          await cli("bench", "--only", "pending-1e3", "--out", out),
          `cannot write ${out}: a path ending in "/" names a directory`,
        );
      }
      expect(readdirSync(dir)).toEqual(["old.ndjson"]);
      expect(readFileSync(join(dir, "old.ndjson"), "utf8")).toBe("keep");
    },
  );

  it.runIf(hasMkfifo)("writes into a FIFO directly (no temp file, no rename): the FIFO stays a FIFO", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe.ndjson.gz");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = await cli(...SHORT, "--trace", fifo);
      expect(r.code).toBe(SHORT_CODE);
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(1 << 16);
      for (let n = readSync(reader, buf); n > 0; n = readSync(reader, buf))
        chunks.push(Buffer.from(buf.subarray(0, n)));
      expect(gunzipSync(Buffer.concat(chunks)).toString("utf8")).toMatch(/^\{"format":"faultline-trace"/);
    } finally {
      closeSync(reader);
    }
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(["pipe.ndjson.gz"]);
  });

  it.runIf(hasMkfifo)("a FIFO nothing reads is a clear error, not a hang", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    expectCleanError(
      await cli(...SHORT, "--trace", fifo),
      `cannot write ${fifo}: it is a FIFO (named pipe) that nothing is reading`,
    );
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it("export --out goes through the same writer (a symlink is followed)", async () => {
    const dir = tempDir();
    const trace = join(dir, "t.ndjson");
    expect((await cli(...SHORT, "--trace", trace)).code).toBe(SHORT_CODE);
    const target = join(dir, "out.edn");
    symlinkSync(target, join(dir, "link.edn"));
    const r = await cli("export", trace, "--format", "jepsen", "--out", join(dir, "link.edn"));
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, "link.edn")).isSymbolicLink()).toBe(true);
    expect(existsSync(target)).toBe(true);
  });
});
