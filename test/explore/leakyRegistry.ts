/**
 * A registry for the determinism check's test: the shipped protocols plus "leaky", echo with a planted
 * nondeterminism bug. Its nodes note a counter kept in module state at start, so the second run of a seed in the
 * same thread (the sweep's re-run) traces a different note: the kind of leak (state shared across runs) that
 * `--check-determinism` is there to catch. Sweep workers load it by URL, as the CLI's workers load protocols/index.ts.
 */
import { registry as shipped } from "../../protocols/index.ts";
import { echo } from "../../protocols/echo/index.ts";
import type { Protocol } from "../../sim/core/protocol.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";

let boots = 0;

const leaky: Protocol<unknown, unknown, never> = {
  ...(echo as unknown as Protocol<unknown, unknown, never>),
  name: "leaky",
  description: "echo whose nodes note a counter that survives from one run to the next (test-only)",
  step: (state, input, ctx) => {
    if (input.kind === "start" && ctx.id === "n1") ctx.note(`boot ${boots++}`);
    (echo.step as Protocol<unknown, unknown, never>["step"])(state, input, ctx);
  },
};

export const registry = new ProtocolRegistry();
for (const p of shipped.list()) registry.register(p);
registry.register(leaky);
