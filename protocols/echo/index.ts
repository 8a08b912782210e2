import type { Protocol } from "../../sim/core/protocol.ts";
import { echoBugs } from "./bugs.ts";
import { echoInvariants } from "./invariants.ts";
import type { EchoMsg } from "./messages.ts";
import { createEcho, type EchoState, stepEcho } from "./node.ts";
import { type EchoOptions, echoOptions } from "./options.ts";

/** Ping/echo with retries: every node keeps `inFlight` pings outstanding to random peers. The benchmark workload. */
export const echo: Protocol<EchoState, EchoMsg, never, EchoOptions> = {
  name: "echo",
  description: "Nodes ping random peers and echo pings back; lost pings are retried on a timer. Used by the benchmark.",
  options: echoOptions,
  create: (_ctx, options) => createEcho(options),
  step: stepEcho,
  // The view never changes, so the same object is returned every time (the engine then skips the comparison).
  view: (s) => s.view,
  messageSize: () => 64,
  messageType: (m) => m.type,
  invariants: echoInvariants,
  bugs: echoBugs,
};
