import type { ProtocolRegistry } from "../core/registry.ts";
import { parseScenario } from "../scenario/load.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import { UsageError } from "./command.ts";
import { readUserFile } from "./userFile.ts";

/** Read and resolve a scenario file; a missing or unreadable file is a UsageError naming it. */
export function loadScenarioFile(path: string, registry: ProtocolRegistry): ResolvedScenario {
  return parseScenario(readUserFile(path, "a scenario file").toString("utf8"), path, registry);
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
