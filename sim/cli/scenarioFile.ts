import { constants, gunzipSync } from "node:zlib";
import type { ProtocolRegistry } from "../core/registry.ts";
import { parseScenario } from "../scenario/load.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import { TRACE_FORMAT } from "../trace/events.ts";
import { isGzipBytes } from "../trace/reader.ts";
import { UsageError } from "./command.ts";
import { shellQuote } from "../explore/repro.ts";
import { readUserFile } from "./userFile.ts";

/**
 * Read and resolve a scenario file; a missing or unreadable file is a UsageError naming it, and so is a trace given
 * where a scenario was expected (`faultline run trace.ndjson.gz`), with the command that takes it.
 */
export function loadScenarioFile(path: string, registry: ProtocolRegistry): ResolvedScenario {
  const bytes = readUserFile(path, "a scenario file");
  const kind = traceKind(bytes);
  if (kind === "trace")
    throw new UsageError(
      `${path} is a Faultline trace, not a scenario file (YAML or JSON): to re-run its scenario and seed, ` +
        `faultline replay ${shellQuote(path)}`,
    );
  if (kind === "gzip") throw new UsageError(`${path} is gzip-compressed, not a scenario file (YAML or JSON)`);
  return parseScenario(bytes.toString("utf8"), path, registry);
}

/** "trace" for a Faultline trace (plain or gzip), "gzip" for another gzip file, else null. */
function traceKind(bytes: Buffer): "trace" | "gzip" | null {
  let head = bytes.subarray(0, 256);
  if (isGzipBytes(bytes)) {
    try {
      // The first few KiB are enough to see the header; a truncated stream is fine with a sync flush.
      head = gunzipSync(bytes.subarray(0, 4096), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, 256);
    } catch {
      return "gzip";
    }
  }
  const start = head.toString("utf8").replace(/^\uFEFF/, "");
  if (new RegExp(`^\\{\\s*"format"\\s*:\\s*"${TRACE_FORMAT}"`).test(start)) return "trace";
  return isGzipBytes(bytes) ? "gzip" : null;
}

/** Parse a --seed value: an integer, or any other non-empty string used as a string seed only with a prefix. */
export function parseSeedFlag(value: unknown, flag = "--seed"): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: expected an integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new UsageError(
      `${flag}: ${text} is too ${n < 0 ? "small" : "large"} (expected an integer from -(2^53 - 1) to 2^53 - 1)`,
    );
  return n;
}

export function bugList(value: unknown): string[] {
  if (value === undefined) return [];
  const bugs = (Array.isArray(value) ? value : [value]).map(String);
  // `--bug` with nothing after it (or before another flag) parses as no value at all.
  if (bugs.length === 0 || bugs.some((b) => b.trim() === "")) throw new UsageError("--bug: expected a bug name");
  return bugs;
}

export { reproLine, shellQuote } from "../explore/repro.ts";
