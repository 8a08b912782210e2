/** Every protocol Faultline ships, registered by name. Entry points (CLI, viewer, tests) pass this to the engine. */
import { ProtocolRegistry } from "../sim/core/registry.ts";

export const registry = new ProtocolRegistry();
// Each protocol adds one line here: registry.register(<protocol>);
