import type { TraceEvent, TraceHeader } from "../events.ts";

/** The regular expression ShiViz needs to parse the log below (paste it into ShiViz's "parser RegExp" box). */
export const SHIVIZ_REGEX = "(?<host>\\S+) (?<clock>\\{.*?\\}) (?<event>.*)";

/**
 * ShiViz log: one line per local event with the host and its vector clock. Vector clocks follow causality: a node
 * ticks its own entry on every event, and merges the sender's clock (carried by the message id) on delivery.
 * The first line is the parser regex, then a blank line, as ShiViz expects in a pasted log.
 */
export function toShiViz(header: TraceHeader, events: readonly TraceEvent[]): string {
  const clocks = new Map<string, Record<string, number>>();
  const sentWith = new Map<number, Record<string, number>>();
  const clockOf = (id: string) => {
    let c = clocks.get(id);
    if (c === undefined) {
      c = {};
      clocks.set(id, c);
    }
    return c;
  };
  const lines: string[] = [SHIVIZ_REGEX, ""];
  const emit = (host: string, text: string, merge?: Record<string, number>) => {
    const c = clockOf(host);
    if (merge) for (const [k, v] of Object.entries(merge)) c[k] = Math.max(c[k] ?? 0, v);
    c[host] = (c[host] ?? 0) + 1;
    lines.push(`${host} ${JSON.stringify(c)} ${text.replace(/\n/g, " ")}`);
    return { ...c };
  };
  for (const e of events) {
    switch (e.k) {
      case "send":
        sentWith.set(e.i, emit(e.n, `send ${e.ty} #${e.i} to ${e.to}`));
        break;
      case "duplicate": {
        const c = sentWith.get(e.i);
        if (c) sentWith.set(e.copy, c);
        break;
      }
      case "deliver":
        emit(e.n, `recv #${e.i} from ${e.from}`, sentWith.get(e.i));
        break;
      case "drop":
        emit(e.n, `drop #${e.i} to ${e.to} (${e.why})`);
        break;
      case "crash":
      case "restart":
        emit(e.n, e.k);
        break;
      case "state":
        emit(e.n, `state ${JSON.stringify(e.v)}`);
        break;
      case "note":
        emit(e.n, `note ${e.text}`);
        break;
      case "violation":
        if (e.n) emit(e.n, `VIOLATION ${e.check}: ${e.message}`);
        break;
      default:
        break;
    }
  }
  return `${lines.join("\n")}\n`;
}
