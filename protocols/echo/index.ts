import type { Protocol } from "../../sim/core/protocol.ts";
import { echoBugs } from "./bugs.ts";
import { echoInvariants } from "./invariants.ts";
import type { EchoMsg } from "./messages.ts";
import { createEcho, ECHO_DEFAULTS, stepEcho, type EchoState } from "./node.ts";

/** Ping/echo with retries: every node keeps `inFlight` pings outstanding to random peers. The benchmark workload. */
export const echo: Protocol<EchoState, EchoMsg, never> = {
  name: "echo",
  description: "Nodes ping random peers and echo pings back; lost pings are retried on a timer. Used by the benchmark.",
  options: [
    {
      name: "inFlight",
      type: "integer",
      default: ECHO_DEFAULTS.inFlight,
      description: "pings each node keeps outstanding",
      value: { kind: "integer", min: 1, max: 100_000 },
    },
    {
      name: "retryMicros",
      type: "micros",
      default: ECHO_DEFAULTS.retryMicros,
      description: "re-send a ping not echoed within this long",
      value: { kind: "micros", min: 1 },
    },
    {
      name: "maxEchoes",
      type: "integer",
      default: ECHO_DEFAULTS.maxEchoes,
      description: "stop after this many echoes per node (0: never)",
      value: { kind: "integer", min: 0 },
    },
  ],
  create: (_ctx, options) => createEcho(options),
  step: stepEcho,
  // The view never changes, so the same object is returned every time (the engine then skips the comparison).
  view: (s) => s.view,
  messageSize: () => 64,
  messageType: (m) => m.type,
  invariants: echoInvariants,
  bugs: echoBugs,
};
