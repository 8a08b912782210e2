#!/usr/bin/env node
// The `faultline` command. It runs the compiled CLI (dist/cli, which `npm ci` builds) when that was built from the
// sources as they are now, else the TypeScript sources through tsx (about 0.4 s more start-up). FAULTLINE_FROM_SOURCE=1
// forces the sources.
import { pathToFileURL } from "node:url";
import { COMPILED_DIR, COMPILED_MAIN, compiledIsCurrent } from "./compiledCli.mjs";

// A reader that stops early (`faultline export ... | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

let cli;
if (process.env.FAULTLINE_FROM_SOURCE !== "1" && compiledIsCurrent()) {
  cli = await import(pathToFileURL(`${COMPILED_DIR}/${COMPILED_MAIN}`).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("./cli.ts");
}
// sweep workers load the registry from this module (sim/ imports nothing from protocols/)
process.exitCode = await cli.main(process.argv.slice(2), {
  registry: cli.registry,
  registryModule: cli.registryModule,
});
