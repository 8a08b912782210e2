import type { Input, NodeContext } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";
import type { EchoMsg } from "./messages.ts";
import type { EchoOptions } from "./options.ts";

export interface EchoState {
  options: EchoOptions;
  nextSeq: number;
  /** seq -> peer, for pings not yet echoed. Timer `retry:<slot>` re-sends slot's ping. */
  slots: { seq: number; peer: string }[];
  /** A ping carries seq * span + slot: span is above every slot (1,024 unless inFlight is larger). */
  span: number;
  echoed: number;
  retries: number;
  view: { role: string; inFlight: number };
}

export function createEcho(o: EchoOptions): EchoState {
  return {
    options: o,
    nextSeq: 1,
    slots: [],
    span: Math.max(1024, o.inFlight),
    echoed: 0,
    retries: 0,
    view: { role: "echo", inFlight: o.inFlight },
  };
}

/** Slot timers are named by slot index, interned once, so the hot path builds no strings. */
const TIMER_NAMES: string[] = [];
function timerName(slot: number): string {
  let name = TIMER_NAMES[slot];
  if (name === undefined) {
    name = `retry:${slot}`;
    TIMER_NAMES[slot] = name;
  }
  return name;
}

function fire(s: EchoState, slot: number, ctx: NodeContext<EchoMsg>): void {
  if (ctx.peers.length === 0) return;
  const peer = ctx.peers[ctx.rng.int(ctx.peers.length)] as string;
  const seq = s.nextSeq++;
  const cur = s.slots[slot];
  if (cur === undefined) s.slots[slot] = { seq, peer };
  else {
    // Re-fill the slot's record instead of allocating one per ping (nothing else holds it).
    cur.seq = seq;
    cur.peer = peer;
  }
  ctx.send(peer, { type: "ping", seq: seq * s.span + slot });
  ctx.setTimer(timerName(slot), s.options.retryMicros);
}

export function stepEcho(s: EchoState, input: Input<EchoMsg, never>, ctx: NodeContext<EchoMsg>): void {
  switch (input.kind) {
    case "start":
      for (let slot = 0; slot < s.options.inFlight; slot++) fire(s, slot, ctx);
      return;
    case "message": {
      const m = input.msg;
      switch (m.type) {
        case "ping":
          ctx.send(input.from, { type: "echo", seq: m.seq });
          return;
        case "echo": {
          const slot = m.seq % s.span;
          const cur = s.slots[slot];
          if (cur === undefined || cur.seq * s.span + slot !== m.seq) return; // a late echo of a retried ping
          s.echoed++;
          if (s.options.maxEchoes > 0 && s.echoed >= s.options.maxEchoes) {
            ctx.cancelTimer(timerName(slot));
            return;
          }
          fire(s, slot, ctx);
          return;
        }
        default:
          return assertNever(m, "echo message");
      }
    }
    case "timer": {
      const slot = Number(input.name.slice(6));
      s.retries++;
      fire(s, slot, ctx);
      return;
    }
    case "client":
      return;
    default:
      return assertNever(input, "input");
  }
}
