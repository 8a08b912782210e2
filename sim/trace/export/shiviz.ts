import type { TraceEvent, TraceFooter, TraceHeader } from "../events.ts";
import { exportToString, type LineSink, type TraceExporter } from "./stream.ts";

/**
 * The regular expression ShiViz parses each event line with (an uploaded log declares it on its first line; pasted
 * into ShiViz, it goes in the "parser RegExp" box). Host ids have no whitespace (\S+); the clock is a flat JSON
 * object, so its first "}" closes it.
 */
export const SHIVIZ_REGEX = "(?<host>\\S+) (?<clock>\\{.*?\\}) (?<event>.*)";

/** Characters that end a line for a JavaScript regular expression's "." (ShiViz runs in the browser). */
const LINE_BREAKS = /[\n\r\u2028\u2029]/g;

/**
 * ShiViz log: the parser regex on the first line, an empty second line (the delimiter between executions: none), then
 * one line per event: host, vector clock, description. Vector clocks follow causality: a host ticks its own entry on
 * each of its events and merges the sender's clock (found by message id) when it receives a message; a duplicate
 * carries the clock of the send it copies. A dropped message is a local event of its sender, never a receive.
 * Client operations, timers and the network's own events (partitions, link changes) are not logged.
 */
export function shivizExporter(emit: LineSink): TraceExporter {
  return new ShiVizExport(emit);
}

/** The whole ShiViz log of an in-memory trace. */
export function toShiViz(
  header: TraceHeader,
  events: readonly TraceEvent[],
  footer: TraceFooter | null = null,
): string {
  return exportToString(shivizExporter, header, events, footer);
}

type Clock = Record<string, number>;

class ShiVizExport implements TraceExporter {
  private readonly clocks = new Map<string, Clock>();
  /** Clock of each message's send while it is in flight (removed on delivery or drop). */
  private readonly sentWith = new Map<number, Clock>();

  constructor(private readonly emit: LineSink) {}

  header(_h: TraceHeader): void {
    this.emit(SHIVIZ_REGEX);
    this.emit("");
  }

  /** Log an event of `host` (merging `merge` first: a receive) and return a copy of its clock after it. */
  private local(host: string, text: string, merge?: Clock): Clock {
    let c = this.clocks.get(host);
    if (c === undefined) {
      c = {};
      this.clocks.set(host, c);
    }
    if (merge !== undefined) for (const k in merge) c[k] = Math.max(c[k] ?? 0, merge[k] as number);
    c[host] = (c[host] ?? 0) + 1;
    this.emit(`${host} ${JSON.stringify(c)} ${text.replace(LINE_BREAKS, " ")}`);
    return { ...c };
  }

  event(e: TraceEvent): void {
    switch (e.k) {
      case "send":
        this.sentWith.set(e.i, this.local(e.n, `send ${e.ty} #${e.i} to ${e.to}`));
        break;
      case "duplicate": {
        const c = this.sentWith.get(e.i);
        if (c !== undefined) this.sentWith.set(e.copy, c);
        break;
      }
      case "deliver": {
        const c = this.sentWith.get(e.i);
        this.sentWith.delete(e.i);
        this.local(e.n, `recv #${e.i} from ${e.from}`, c);
        break;
      }
      case "drop":
        this.sentWith.delete(e.i);
        this.local(e.n, `drop #${e.i} to ${e.to} (${e.why})`);
        break;
      case "crash":
      case "restart":
        this.local(e.n, e.k);
        break;
      case "state":
        this.local(e.n, `state ${JSON.stringify(e.v)}`);
        break;
      case "note":
        this.local(e.n, `note ${e.text}`);
        break;
      case "violation":
        if (e.n !== undefined) this.local(e.n, `VIOLATION ${e.check}: ${e.message}`);
        break;
      case "metric":
        if (e.n !== undefined) this.local(e.n, `metric ${e.name}${e.l === undefined ? "" : `[${e.l}]`} = ${e.v}`);
        break;
      default:
        break;
    }
  }

  finish(_footer: TraceFooter | null): void {
    this.sentWith.clear();
  }
}
