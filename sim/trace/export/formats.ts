import { chromeExporter } from "./chrome.ts";
import { jepsenExporter } from "./jepsen.ts";
import { shivizExporter } from "./shiviz.ts";
import type { ExportFormat, LineSink, TraceExporter } from "./stream.ts";

/** The exporter of each format, by the name `faultline export --format` and the viewer use. */
export const EXPORTERS: Record<ExportFormat, (emit: LineSink) => TraceExporter> = {
  chrome: chromeExporter,
  shiviz: shivizExporter,
  jepsen: jepsenExporter,
};

export const EXPORT_FORMATS = Object.keys(EXPORTERS) as ExportFormat[];

export function isExportFormat(s: unknown): s is ExportFormat {
  return typeof s === "string" && Object.hasOwn(EXPORTERS, s);
}
