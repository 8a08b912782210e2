#!/usr/bin/env node
// Compile the CLI to JavaScript in dist/cli (npm's `prepare` script, so `npm ci` runs it; `npm run build:cli` by hand).
// One esbuild bundle per entry point, dependencies included (0.2 s to start against 0.35 s with them left in
// node_modules; see bench/RESULTS.md), shared code split into chunk-*.mjs files beside them:
//   bin/cli.ts              -> dist/cli/faultline.mjs   (main and the protocol registry)
//   protocols/index.ts      -> dist/cli/registry.mjs    (the registry, for worker threads: bin/cli.ts's registryModule)
//   sim/**/NAME.worker.ts   -> dist/cli/NAME.worker.mjs (worker_threads entries: see sim/explore/workerScript.ts)
// Beside them, manifest.json records the inputs (bin/compiledCli.mjs reads it to tell whether the build is current).
//   node bin/build-cli.mjs [--out DIR] [--if-possible]
// --if-possible (the prepare script): a failed build warns and exits 0, and the CLI runs from the sources.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { COMPILED_DIR, COMPILED_MAIN, MANIFEST, makeManifest, ROOT } from "./compiledCli.mjs";

/** Every worker entry: a file named *.worker.ts under sim/, as a path from `root`. Basenames must be unique. */
export function workerEntries(root = ROOT) {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(".worker.ts")) found.push(relative(root, p).split("\\").join("/"));
    }
  };
  walk(join(root, "sim"));
  found.sort();
  const names = new Map();
  for (const f of found) {
    const name = basename(f, ".ts");
    if (names.has(name)) throw new Error(`two worker entries named ${name}.ts: ${names.get(name)} and ${f}`);
    names.set(name, f);
  }
  return found;
}

/** Files that may find things next to their own source path (they handle the compiled layout themselves). */
const LOCATION_AWARE = new Set(["sim/cli/projectRoot.ts", "sim/explore/workerScript.ts", "bin/cli.ts"]);

/**
 * In the bundle, every module's import.meta is the bundle's (dist/cli/...), so code that finds a file beside its own
 * source, `new URL("./x.mjs", import.meta.url)` or `import.meta.dirname`, would look in dist/cli and break only in the
 * compiled CLI. Refuse to build it (npm ci then warns and the CLI runs from the sources), naming the way that works.
 */
export function checkLocationFree(path, text) {
  if (LOCATION_AWARE.has(path)) return;
  for (const m of text.matchAll(
    /new URL\(\s*(["'`])([^"'`]*)\1\s*,\s*import\.meta\.url\s*\)|import\.meta\.(dirname|filename)/g,
  )) {
    const what = m[2] !== undefined ? `new URL(${JSON.stringify(m[2])}, import.meta.url)` : `import.meta.${m[3]}`;
    if (m[2] !== undefined && /\.worker\.ts$/.test(m[2]) && /workerScript\(/.test(text)) continue;
    throw new Error(
      `${path}: ${what} points beside the source file, which the compiled CLI (one bundle in dist/cli) does not ` +
        'keep: start a worker with workerScript(new URL("./NAME.worker.ts", import.meta.url)) ' +
        "(sim/explore/workerScript.ts), find the checkout's files with projectRoot() (sim/cli/projectRoot.ts)",
    );
  }
}

/** Build into `outDir` (replaced whole, so a reader never sees half of one build and half of another). */
export async function buildCli(outDir = COMPILED_DIR, root = ROOT) {
  const { build } = await import("esbuild");
  const workers = workerEntries(root);
  const staging = `${outDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const entryPoints = [
    { in: "bin/cli.ts", out: COMPILED_MAIN.replace(/\.mjs$/, "") },
    // The registry again as a module of its own, for worker threads (bin/cli.ts, registryModule).
    ...(existsSync(join(root, "protocols/index.ts")) ? [{ in: "protocols/index.ts", out: "registry" }] : []),
    ...workers.map((w) => ({ in: w, out: basename(w, ".ts") })),
  ];
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints,
      outdir: staging,
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunk-[hash]",
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node20",
      // vite builds the viewer on demand (`faultline view`); it stays in node_modules, loaded only then.
      // tsx loads bench/run.ts (`faultline bench`), which the bundle does not contain.
      external: ["vite", "tsx"],
      // CommonJS dependencies (seedrandom, cli-progress) call require() for Node's modules.
      banner: {
        js:
          'import { createRequire as __faultlineCreateRequire } from "node:module"; ' +
          "const require = __faultlineCreateRequire(import.meta.url);",
      },
      metafile: true,
      logLevel: "warning",
    });
    const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/"));
    for (const p of sources) checkLocationFree(p, readFileSync(join(root, p), "utf8"));
    const inputs = [...new Set([...sources, "package-lock.json", "bin/build-cli.mjs", "bin/compiledCli.mjs"])].sort();
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(makeManifest(inputs, root))}\n`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
    return { outDir, entries: entryPoints.length, inputs: inputs.length };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(ROOT, "bin/build-cli.mjs")) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  const outDir = outAt >= 0 ? resolve(args[outAt + 1] ?? "") : COMPILED_DIR;
  const t0 = performance.now();
  try {
    const r = await buildCli(outDir);
    const ms = (performance.now() - t0).toFixed(0);
    console.log(
      `faultline: compiled the CLI to ${relative(process.cwd(), r.outDir) || "."} (${r.entries} entries, ${ms} ms)`,
    );
  } catch (e) {
    console.error(`faultline: compiling the CLI failed: ${e?.message ?? e}`);
    if (!args.includes("--if-possible")) process.exit(1);
    console.error("faultline: the CLI runs from the TypeScript sources through tsx (slower to start)");
  }
}
