import type { Protocol } from "../../sim/core/protocol.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { registry as shipped } from "../../protocols/index.ts";

/**
 * A test protocol: at start, every node listed in options.senders sends `count` messages of `bytes` bytes to
 * options.to, spaced `gapMicros` apart (all at once when 0). Receivers count what arrives.
 */
export interface ProbeState {
  received: number;
  sent: number;
  o: { senders: string[]; to: string; count: number; bytes: number; gapMicros: number };
}

export const probe: Protocol<ProbeState, { type: "probe"; k: number; bytes: number }, never> = {
  name: "probe",
  description: "test-only traffic generator",
  options: [],
  create: (_ctx, options) => ({
    received: 0,
    sent: 0,
    o: { senders: ["n1"], to: "n2", count: 1000, bytes: 100, gapMicros: 0, ...(options as object) },
  }),
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
