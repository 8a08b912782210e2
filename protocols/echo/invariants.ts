import type { Invariant } from "../../sim/core/protocol.ts";
import type { EchoState } from "./node.ts";

export const echoInvariants: Invariant<EchoState>[] = [
  {
    name: "bounded-in-flight",
    description: "A node never has more pings outstanding than its inFlight option.",
    create: () => (ctx, stepped) => {
      const s = ctx.states[stepped];
      if (s === undefined) return null;
      return s.slots.length <= s.options.inFlight
        ? null
        : `${ctx.nodes[stepped]} has ${s.slots.length} pings in flight, more than ${s.options.inFlight}`;
    },
  },
];
