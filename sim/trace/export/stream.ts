import type { TraceEvent, TraceFooter, TraceHeader } from "../events.ts";

/**
 * An exporter reads a trace as it streams past (header, then each event, then the footer) and hands its output line
 * by line to `emit`, so neither the trace nor the output has to fit in memory or in one string (V8 strings stop at
 * ~512 MiB; a Chrome export of a 1M-event trace is ~135 MB). It is a TraceEventSink, so a trace reader can feed it.
 */
export interface TraceExporter {
  header(h: TraceHeader): void;
  event(e: TraceEvent): void;
  /** After the last event. `footer` is null when the caller has none (an in-memory event list). */
  finish(footer: TraceFooter | null): void;
}

/** Receives one line of output at a time, without its newline. */
export type LineSink = (line: string) => void;

export type ExportFormat = "chrome" | "shiviz" | "jepsen";

/** Run an exporter over an in-memory trace and return its whole output (small traces, tests). */
export function exportToString(
  make: (emit: LineSink) => TraceExporter,
  header: TraceHeader,
  events: readonly TraceEvent[],
  footer: TraceFooter | null = null,
): string {
  const lines: string[] = [];
  const x = make((line) => lines.push(line));
  x.header(header);
  for (const e of events) x.event(e);
  x.finish(footer);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** The same output as a list of text parts of about `partChars` each (a Blob can be built from them, no big string). */
export function exportToParts(
  make: (emit: LineSink) => TraceExporter,
  header: TraceHeader,
  events: readonly TraceEvent[],
  footer: TraceFooter | null = null,
  partChars = 1 << 20,
): string[] {
  const parts: string[] = [];
  let buf: string[] = [];
  let size = 0;
  const x = make((line) => {
    buf.push(line);
    size += line.length + 1;
    if (size >= partChars) {
      parts.push(`${buf.join("\n")}\n`);
      buf = [];
      size = 0;
    }
  });
  x.header(header);
  for (const e of events) x.event(e);
  x.finish(footer);
  if (buf.length > 0) parts.push(`${buf.join("\n")}\n`);
  return parts;
}
