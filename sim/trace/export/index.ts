export { chromeExporter, toChromeTrace } from "./chrome.ts";
export { EXPORT_FORMATS, EXPORTERS, isExportFormat } from "./formats.ts";
export { edn, jepsenExporter, toJepsenHistory } from "./jepsen.ts";
export { SHIVIZ_REGEX, shivizExporter, toShiViz } from "./shiviz.ts";
export { exportToParts, exportToString, type ExportFormat, type LineSink, type TraceExporter } from "./stream.ts";
