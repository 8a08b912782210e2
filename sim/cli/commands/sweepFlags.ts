/** The checks of `sweep`'s flags for scale: --workers, --shard / --shards, --check-determinism. */
import { UsageError } from "../command.ts";

/** Most worker threads a sweep starts: far more than any machine's cores, so a typo does not start 10^6 threads. */
export const MAX_WORKERS = 256;

export function parseWorkers(value: unknown, cores: number): number {
  if (value === undefined) return Math.max(1, cores);
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_WORKERS)
    throw new UsageError(`--workers: expected an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(text)}`);
  return n;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/**
 * The shard to run: `--shard i/n` (0 <= i < n), or `--shards n` with i from JOB_COMPLETION_INDEX (what a Kubernetes
 * Indexed Job sets in each pod). Null: the whole range.
 */
export function parseShard(
  shard: unknown,
  shards: unknown,
  jobIndex: string | undefined,
): { index: number; count: number } | null {
  if (shard !== undefined && shards !== undefined)
    throw new UsageError("--shard and --shards: give one of them (--shards n takes i from JOB_COMPLETION_INDEX)");
  if (shard !== undefined) {
    const text = String(shard).trim();
    const m = /^(\d+)\/(\d+)$/.exec(text);
    const index = m === null ? null : wholeNumber(m[1] as string);
    const count = m === null ? null : wholeNumber(m[2] as string);
    if (index === null || count === null || count < 1 || index >= count)
      throw new UsageError(`--shard: expected i/n with n >= 1 and 0 <= i < n, like 0/4, got ${JSON.stringify(text)}`);
    return { index, count };
  }
  if (shards === undefined) return null;
  const count = wholeNumber(String(shards).trim());
  if (count === null || count < 1)
    throw new UsageError(`--shards: expected a positive integer, got ${JSON.stringify(String(shards))}`);
  if (jobIndex === undefined)
    throw new UsageError(
      "--shards: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it); elsewhere give --shard i/n",
    );
  const index = wholeNumber(jobIndex.trim());
  if (index === null || index >= count)
    throw new UsageError(
      `--shards ${count}: JOB_COMPLETION_INDEX is ${JSON.stringify(jobIndex)}, expected an integer from 0 to ` +
        `${count - 1}`,
    );
  return { index, count };
}

/** A fraction in [0, 1] (--check-determinism P); 0 when the flag is not given. */
export function parseFraction(value: unknown, flag: string): number {
  if (value === undefined) return 0;
  const text = String(value).trim();
  const p = Number(text);
  if (text === "" || !Number.isFinite(p) || p < 0 || p > 1)
    throw new UsageError(`${flag}: expected a fraction from 0 to 1 (like 0.1), got ${JSON.stringify(text)}`);
  return p;
}
