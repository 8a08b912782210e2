import { z } from "zod";
import type { Protocol } from "../../sim/core/protocol.ts";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { registry as shipped } from "../../protocols/index.ts";

/**
 * A test protocol: at start, every node listed in options.senders sends `count` messages of `bytes` bytes to
 * options.to, spaced `gapMicros` apart (all at once when 0). Receivers count what arrives.
 */
const probeOptions = defineOptions(() =>
  z.object({
    senders: z.array(z.string()).default(["n1"]),
    to: z.string().default("n2"),
    count: z.number().int().min(0).default(1000),
    bytes: z.number().int().min(0).default(100),
    gapMicros: micros(0).default(0),
  }),
);

export interface ProbeState {
  received: number;
  sent: number;
  o: OptionsOf<typeof probeOptions>;
}

export const probe: Protocol<
  ProbeState,
  { type: "probe"; k: number; bytes: number },
  never,
  OptionsOf<typeof probeOptions>
> = {
  name: "probe",
  description: "test-only traffic generator",
  options: probeOptions,
  create: (_ctx, o) => ({ received: 0, sent: 0, o }),
  step: (s, input, ctx) => {
    const sendNext = () => {
      ctx.send(s.o.to, { type: "probe", k: s.sent++, bytes: s.o.bytes });
    };
    if (input.kind === "start" && s.o.senders.includes(ctx.id)) {
      if (s.o.gapMicros === 0) for (let i = 0; i < s.o.count; i++) sendNext();
      else {
        sendNext();
        ctx.setTimer("next", s.o.gapMicros);
      }
    } else if (input.kind === "timer" && s.sent < s.o.count) {
      sendNext();
      ctx.setTimer("next", s.o.gapMicros);
    } else if (input.kind === "message") s.received++;
  },
  view: (s) => ({ received: s.received }),
  messageSize: (m) => m.bytes,
  invariants: [],
  bugs: {},
};

export function testRegistry(): ProtocolRegistry {
  const r = new ProtocolRegistry();
  for (const p of shipped.list()) r.register(p);
  r.register(probe);
  return r;
}
