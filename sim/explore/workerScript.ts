import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The script and Node flags to start a worker_threads entry with, from the sources or from the compiled CLI.
 *
 * A worker entry is a file named `NAME.worker.ts` anywhere under sim/ (NAME unique). bin/build-cli.mjs finds each one
 * and compiles it to dist/cli/NAME.worker.mjs beside the compiled CLI; nothing else to register. Start it with
 *
 *   const { file, argv } = workerScript(new URL("./sweep.worker.ts", import.meta.url));
 *   const worker = new Worker(file, { argv, workerData });
 *
 * From the sources (tests, tsx) that is tsxWorker.mjs, which registers tsx in the new thread and loads the .ts file
 * (named last in `argv`); from the compiled CLI (this module is then part of a .mjs file in dist/cli), the compiled
 * NAME.worker.mjs in the same folder.
 */
export function workerScript(source: URL, here: string = import.meta.url): { file: string; argv: string[] } {
  const path = fileURLToPath(source);
  if (!path.endsWith(".worker.ts")) throw new Error(`a worker entry is a file named NAME.worker.ts, got ${path}`);
  if (here.endsWith(".mjs"))
    return { file: join(dirname(fileURLToPath(here)), `${basename(path, ".ts")}.mjs`), argv: [] };
  return { file: fileURLToPath(new URL("./tsxWorker.mjs", here)), argv: [source.href] };
}
