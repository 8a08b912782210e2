import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { buildCli, checkLocationFree, workerEntries } from "../../bin/build-cli.mjs";
import { COMPILED_MAIN, compiledIsCurrent, MANIFEST, makeManifest, ROOT } from "../../bin/compiledCli.mjs";
import { registry } from "../../protocols/index.ts";
import { main } from "../../sim/cli/main.ts";
import { workerScript } from "../../sim/explore/workerScript.ts";
import { tempDir } from "../cli/helpers.ts";

type Main = typeof main;

async function capture(run: Main, reg: unknown, args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await run(args, {
    registry: reg as typeof registry,
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    isTty: false,
  });
  return { code, out: out.join("\n") };
}

describe("the compiled CLI", () => {
  it("prints the same help, command help and version as the sources, and lists the same protocols", async () => {
    const out = join(tempDir(), "cli");
    await buildCli(out);
    const compiled = (await import(pathToFileURL(join(out, COMPILED_MAIN)).href)) as { main: Main; registry: unknown };
    for (const args of [["--help"], ["run", "--help"], ["--version"], ["protocols", "--json"]]) {
      const built = await capture(compiled.main, compiled.registry, args);
      const source = await capture(main, registry, args);
      expect(built).toEqual(source);
      expect(built.code).toBe(0);
    }
    expect((await capture(compiled.main, compiled.registry, ["--version"])).out).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compiledIsCurrent(out)).toBe(true);
  });

  it("compiles every NAME.worker.ts under sim/ to a worker that runs from the compiled folder", async () => {
    const root = tempDir();
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "sim/explore"), { recursive: true });
    for (const f of ["bin/build-cli.mjs", "bin/compiledCli.mjs"]) cpSync(join(ROOT, f), join(root, f));
    writeFileSync(join(root, "package-lock.json"), "{}\n");
    writeFileSync(join(root, "bin/cli.ts"), "export const main = 1;\n");
    writeFileSync(join(root, "sim/explore/double.ts"), "export const double = (n: number): number => 2 * n;\n");
    writeFileSync(
      join(root, "sim/explore/echo.worker.ts"),
      'import { parentPort, workerData } from "node:worker_threads";\nimport { double } from "./double.ts";\n' +
        "parentPort?.postMessage(double(workerData as number));\n",
    );
    expect(workerEntries(root)).toEqual(["sim/explore/echo.worker.ts"]);
    const out = join(root, "dist/cli");
    expect(await buildCli(out, root)).toMatchObject({ entries: 2 });
    // As the compiled CLI would start it: workerScript called from a module of dist/cli.
    const { file, argv } = workerScript(
      pathToFileURL(join(root, "sim/explore/echo.worker.ts")),
      pathToFileURL(join(out, COMPILED_MAIN)).href,
    );
    expect(file).toBe(join(out, "echo.worker.mjs"));
    const answer = await new Promise((done, fail) =>
      new Worker(file, { argv, workerData: 21 }).once("message", done).once("error", fail),
    );
    expect(answer).toBe(42);
    expect(compiledIsCurrent(out, root)).toBe(true);
  });

  it("refuses two worker entries with the same name", () => {
    const root = tempDir();
    for (const dir of ["sim/a", "sim/b"]) {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, "sweep.worker.ts"), "");
    }
    expect(() => workerEntries(root)).toThrow(/two worker entries named sweep\.worker\.ts/);
  });

  it("refuses code that finds a file beside its own source, which the bundle does not keep", () => {
    const shim = 'const WORKER = new URL("./checkKeysWorker.mjs", import.meta.url);';
    expect(() => checkLocationFree("sim/explore/checkKeys.ts", shim)).toThrow(
      new RegExp(
        /sim\/explore\/checkKeys\.ts: new URL\("\.\/checkKeysWorker\.mjs", import\.meta\.url\)/.source +
          / points beside .*workerScript/.source,
      ),
    );
    expect(() => checkLocationFree("sim/cli/x.ts", "const here = import.meta.dirname;")).toThrow(/projectRoot\(\)/);
    const worker = 'workerScript(new URL("./checkKeys.worker.ts", import.meta.url));';
    expect(() => checkLocationFree("sim/explore/checkKeys.ts", worker)).not.toThrow();
  });

  it("runs a worker from its TypeScript source through tsx when not compiled", () => {
    const source = new URL("../../sim/explore/x.worker.ts", import.meta.url);
    expect(workerScript(source)).toEqual({
      file: join(ROOT, "sim/explore/tsxWorker.mjs"),
      argv: [source.href],
    });
    expect(() => workerScript(new URL("../../sim/explore/x.ts", import.meta.url))).toThrow(/NAME\.worker\.ts/);
  });
});

describe("whether the compiled CLI is current", () => {
  function fixture(): { root: string; dir: string } {
    const root = tempDir();
    const dir = join(root, "dist/cli");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, "a.ts"), "export const a = 1;\n");
    writeFileSync(join(root, "b.ts"), "export const b = 2;\n");
    writeFileSync(join(dir, COMPILED_MAIN), "");
    writeFileSync(join(dir, MANIFEST), JSON.stringify(makeManifest(["a.ts", "b.ts"], root)));
    return { root, dir };
  }

  it("stays current when a source's time changes but not its contents", () => {
    const { root, dir } = fixture();
    expect(compiledIsCurrent(dir, root)).toBe(true);
    utimesSync(join(root, "a.ts"), new Date(2030, 0, 1), new Date(2030, 0, 1));
    expect(compiledIsCurrent(dir, root)).toBe(true);
  });

  it("is not current when a source's contents change, even keeping its size and time", () => {
    const { root, dir } = fixture();
    const when = new Date(2020, 0, 1);
    utimesSync(join(root, "b.ts"), when, when);
    writeFileSync(join(dir, MANIFEST), JSON.stringify(makeManifest(["a.ts", "b.ts"], root)));
    writeFileSync(join(root, "b.ts"), "export const b = 3;\n");
    utimesSync(join(root, "b.ts"), when, when);
    expect(compiledIsCurrent(dir, root)).toBe(true); // same size and time: the cheap test trusts them
    writeFileSync(join(root, "b.ts"), "export const b = 33;\n");
    expect(compiledIsCurrent(dir, root)).toBe(false);
  });

  it("is not current when a source, the manifest or the compiled entry is missing", () => {
    for (const remove of ["a.ts", `dist/cli/${MANIFEST}`, `dist/cli/${COMPILED_MAIN}`]) {
      const { root, dir } = fixture();
      rmSync(join(root, remove));
      expect(compiledIsCurrent(dir, root)).toBe(false);
    }
    const { root, dir } = fixture();
    writeFileSync(join(dir, MANIFEST), "{ not json");
    expect(compiledIsCurrent(dir, root)).toBe(false);
  });
});
