// The CLI's entry: what bin/faultline.mjs runs, from dist/cli/faultline.mjs (compiled) or from here (through tsx).
export { main } from "../sim/cli/main.ts";
export { registry } from "../protocols/index.ts";

/**
 * The module sweep workers load the protocol registry from (sim/ imports nothing from protocols/): from the sources,
 * protocols/index.ts; from the compiled CLI, dist/cli/registry.mjs, which bin/build-cli.mjs builds beside it.
 */
export const registryModule = import.meta.url.endsWith(".mjs")
  ? new URL("./registry.mjs", import.meta.url).href
  : new URL("../protocols/index.ts", import.meta.url).href;
