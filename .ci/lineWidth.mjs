// Lines longer than 120 columns (code points) in the project's sources: prints `path:line: N columns (max 120)` for
// each one and exits 1 if there is any. Plain Node, no dependencies; run from anywhere (paths are the repository's).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const MAX = 120;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXTENSIONS = new Set([".ts", ".mjs", ".js"]);
const SKIP = new Set(["golden", "fixtures", "node_modules"]);

function* walk(dir, under) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      // test/**/golden and test/**/fixtures are data, not source.
      if (!(under === "test" && SKIP.has(e.name)) && e.name !== "node_modules") yield* walk(path, under);
    } else if (e.isFile() && EXTENSIONS.has(extname(e.name))) {
      yield path;
    }
  }
}

const files = [];
for (const top of ["sim", "protocols", "testing", "viz/src", "bench", "test", "bin"]) files.push(...walk(join(root, top), top));
for (const e of readdirSync(root, { withFileTypes: true })) {
  if (e.isFile() && extname(e.name) === ".ts") files.push(join(root, e.name));
}

let long = 0;
for (const file of files.sort()) {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  lines.forEach((line, i) => {
    const columns = [...line].length;
    if (columns > MAX) {
      console.log(`${relative(root, file)}:${i + 1}: ${columns} columns (max ${MAX})`);
      long++;
    }
  });
}
process.exit(long > 0 ? 1 : 0);
