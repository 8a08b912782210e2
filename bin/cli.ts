// The CLI's entry: what bin/faultline.mjs runs, from dist/cli/faultline.mjs (compiled) or from here (through tsx).
export { main } from "../sim/cli/main.ts";
export { registry } from "../protocols/index.ts";
