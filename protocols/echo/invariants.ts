import type { Invariant } from "../../sim/core/protocol.ts";
import type { EchoState } from "./node.ts";
import type { EchoOptions } from "./options.ts";

export const echoInvariants: Invariant<EchoState, EchoOptions>[] = [
  {
    name: "bounded-in-flight",
    description: "A node never has more pings outstanding than its inFlight option.",
    create: () => (ctx, stepped) => {
      const s = ctx.states[stepped];
      if (s === undefined) return null;
      return s.slots.length <= ctx.options.inFlight
        ? null
        : `${ctx.nodes[stepped]} has ${s.slots.length} pings in flight, more than ${ctx.options.inFlight}`;
    },
  },
];
