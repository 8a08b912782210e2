import { checkMetricSpecs } from "./metrics.ts";
import type { AnyProtocol } from "./protocol.ts";

/**
 * The protocols a run can name. sim/ never imports protocols/: protocols/index.ts builds the registry and the entry
 * points (bin/faultline.mjs, the viewer, tests) hand it to the engine.
 */
export class ProtocolRegistry {
  private readonly byName = new Map<string, AnyProtocol>();

  register(protocol: AnyProtocol): this {
    if (this.byName.has(protocol.name)) throw new Error(`protocol "${protocol.name}" is registered twice`);
    checkMetricSpecs(protocol.name, protocol.metrics ?? []);
    this.byName.set(protocol.name, protocol);
    return this;
  }

  get(name: string): AnyProtocol | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  list(): AnyProtocol[] {
    return this.names().map((n) => this.byName.get(n) as AnyProtocol);
  }
}
