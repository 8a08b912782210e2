/**
 * The Jepsen log text that etcd's Jepsen tests print, one client event per line (the format Porcupine's etcd test
 * reads):
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
 *   INFO  jepsen.util - 3	:fail	:cas	[1 4]
 *   INFO  jepsen.util - 0	:ok	:read	2
 *
 * Process, type, op and value, separated by tabs (or spaces); anything after the value (an error such as
 * :timed-out) is ignored; other log lines are skipped. Lines carry no usable time, so their order in the file orders
 * the events. Browser-safe.
 */
import type { HistoryOp } from "./history.ts";
import { type Edn, HistoryFormatError, JepsenEvents, parseFirstEdnValue } from "./historyFormats.ts";
import type { CheckOp } from "./models/op.ts";

/** `<process> :<type> :<f> <value...>` after `jepsen.util - `. */
const EVENT = /jepsen\.util\s+-\s+(\S+)\s+:(invoke|ok|fail|info)\s+:([^\s]+)(?:\s+(.*))?$/;

/** Parse a Jepsen log (see above) into a history. Bad input when no line is a client event. */
export function parseJepsenLog(text: string, source = "jepsen.log"): HistoryOp<CheckOp>[] {
  const events = new JepsenEvents(source);
  let lineNo = 0;
  let start = 0;
  let position = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end);
    start = end + 1;
    const m = EVENT.exec(line);
    if (m === null) continue;
    const where = `${source}: line ${lineNo}`;
    const proc = m[1] as string;
    const process: Edn = /^\d+$/.test(proc) ? Number(proc) : proc.startsWith(":") ? { kw: proc.slice(1) } : proc;
    const value = parseFirstEdnValue(m[4] ?? "", where);
    const map = new Map<string, Edn>([
      ["process", process],
      ["type", { kw: m[2] as string }],
      ["f", { kw: m[3] as string }],
      ["value", value],
    ]);
    events.add(map, position++, where);
  }
  if (position === 0)
    throw new HistoryFormatError(
      `${source}: no client events (expected lines like "INFO  jepsen.util - 3\\t:invoke\\t:cas\\t[1 4]")`,
    );
  return events.finish();
}
