import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let root: string | null = null;

/**
 * The checkout's root folder: the nearest folder above this code with faultline's package.json. The same from the
 * sources (sim/cli/) and from the compiled CLI (dist/cli/, where the modules are bundled into a few files).
 */
export function projectRoot(): string {
  root ??= findRoot(import.meta.dirname);
  return root;
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "faultline")
      return dir;
    if (dirname(dir) === dir) throw new Error(`no faultline package.json in ${from} or any folder above it`);
  }
}
