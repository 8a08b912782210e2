#!/usr/bin/env node
// The `faultline` command. The CLI is TypeScript; tsx compiles it in-process on first load.
import { register } from "tsx/esm/api";

// A reader that stops early (`faultline export ... | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

register();
const { main } = await import("../sim/cli/main.ts");
const { registry } = await import("../protocols/index.ts");
const registryModule = new URL("../protocols/index.ts", import.meta.url).href; // sweep workers load it
process.exitCode = await main(process.argv.slice(2), { registry, registryModule });
