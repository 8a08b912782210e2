// The compiled CLI (dist/cli, built by bin/build-cli.mjs) and the test of whether it is current with the sources,
// shared by the build and by the launcher (bin/faultline.mjs). Plain Node, no dependencies: it runs before anything
// else is loaded, on every start.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root folder. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm ci` (the `prepare` script) puts the compiled CLI. */
export const COMPILED_DIR = join(ROOT, "dist/cli");
/** The file name, in the compiled folder, of the CLI's entry (it exports `main` and `registry`, as bin/cli.ts does). */
export const COMPILED_MAIN = "faultline.mjs";
/** The record of what a build was made from: { format, hash, inputs: [{ path, size, mtimeMs }] }. */
export const MANIFEST = "manifest.json";
const MANIFEST_FORMAT = 1;

/** The SHA-256 of the files (paths from ROOT), names and contents, in the order given. */
export function contentHash(paths, root = ROOT) {
  const h = createHash("sha256");
  for (const p of paths)
    h.update(`${p}\0`)
      .update(readFileSync(join(root, p)))
      .update("\0");
  return h.digest("hex");
}

/** What a manifest records about each input: its path from ROOT, size and modification time. */
export function describeInputs(paths, root = ROOT) {
  return paths.map((path) => {
    const s = statSync(join(root, path));
    return { path, size: s.size, mtimeMs: s.mtimeMs };
  });
}

export function makeManifest(paths, root = ROOT) {
  return { format: MANIFEST_FORMAT, hash: contentHash(paths, root), inputs: describeInputs(paths, root) };
}

/**
 * True when the compiled CLI in `dir` was built from the sources as they are now. Cheap first: when every input has
 * the size and modification time the build saw (about 200 stat calls), it is current. When any differs (an edit, or a
 * checkout or `touch` that changed times only), the contents decide: the SHA-256 of the inputs against the build's. A
 * missing input, manifest or build is "not current". Inputs are the sources esbuild bundled (its metafile, so a file
 * that no import reaches does not count) plus package-lock.json (the bundled dependencies) and the build scripts.
 */
export function compiledIsCurrent(dir = COMPILED_DIR, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8"));
  } catch {
    return false;
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0)
    return false;
  try {
    statSync(join(dir, COMPILED_MAIN));
    const same = manifest.inputs.every((f) => {
      const s = statSync(join(root, f.path));
      return s.size === f.size && s.mtimeMs === f.mtimeMs;
    });
    return (
      same ||
      contentHash(
        manifest.inputs.map((f) => f.path),
        root,
      ) === manifest.hash
    );
  } catch {
    return false;
  }
}
