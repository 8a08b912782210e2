/**
 * Units in scenario files: durations ("40ms", "2s", "250us", "1.5m", "1h"), sizes ("512B", "4KiB", "1MB"),
 * bandwidth ("100Mbps", "1Gbps", "10MB/s"), rates ("10/s", "0.5/m") and drift ("200ppm"). Parsers return a number in
 * the engine's unit (integer micros, bytes, bytes per second, per second, ppm) or throw UnitError with what was
 * expected; the scenario loader adds the file and field path.
 */
export class UnitError extends Error {
  override name = "UnitError";
}

const DURATION: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};
const SIZE: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};
const BITS: Record<string, number> = { bps: 1 / 8, Kbps: 1e3 / 8, Mbps: 1e6 / 8, Gbps: 1e9 / 8 };

function split(text: string, what: string, example: string): { value: number; unit: string } {
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([A-Za-zµ/]+(?:\/s)?)\s*$/.exec(text);
  if (m === null) {
    if (/^\s*-?\d+(\.\d+)?\s*$/.test(text))
      throw new UnitError(
        `expected a ${what} with a unit, like "${example}", got ${JSON.stringify(text)} (a bare number has no unit)`,
      );
    throw new UnitError(`expected a ${what} like "${example}", got ${JSON.stringify(text)}`);
  }
  const value = Number(m[1]);
  if (!Number.isFinite(value)) throw new UnitError(`expected a finite ${what}, got ${JSON.stringify(text)}`);
  if (value < 0) throw new UnitError(`expected a ${what} >= 0, got ${JSON.stringify(text)}`);
  return { value, unit: m[2] as string };
}

/** Integer engine units must stay exact in a double. */
function exact(n: number, what: string, unit: string, text: string): number {
  if (!Number.isSafeInteger(n))
    throw new UnitError(
      `${what} too large: expected at most ${Number.MAX_SAFE_INTEGER} ${unit}, got ${JSON.stringify(text)}`,
    );
  return n;
}

export function parseDuration(text: string): number {
  const { value, unit } = split(text, "duration", "40ms");
  const f = DURATION[unit];
  if (f === undefined)
    throw new UnitError(
      `unknown duration unit "${unit}" in ${JSON.stringify(text)} (use us, ms, s, m or h, like "40ms" or "2s")`,
    );
  return exact(Math.round(value * f), "duration", "microseconds", text);
}

export function parseSize(text: string): number {
  const { value, unit } = split(text, "size", "4KiB");
  const f = SIZE[unit];
  if (f === undefined)
    throw new UnitError(
      `unknown size unit "${unit}" in ${JSON.stringify(text)} (use B, KB, MB, GB, KiB, MiB or GiB, like "4KiB")`,
    );
  return exact(Math.round(value * f), "size", "bytes", text);
}

export const BANDWIDTH_EXAMPLES = 'a rate like "100Mbps", "1Gbps" or "500Kbps" (bits), or "10MB/s" (bytes)';

export function parseBandwidth(text: string): number {
  const { value, unit } = split(text, "bandwidth", "100Mbps");
  const f = BITS[unit] ?? (unit.endsWith("/s") ? SIZE[unit.slice(0, -2)] : undefined);
  if (f === undefined)
    throw new UnitError(`unknown bandwidth unit "${unit}" in ${JSON.stringify(text)}: expected ${BANDWIDTH_EXAMPLES}`);
  const rate = value * f;
  if (!(rate > 0))
    throw new UnitError(
      `expected a bandwidth > 0, got ${JSON.stringify(text)} (use "unlimited" for no limit, or a link's ` +
        `\`up: false\` for none)`,
    );
  if (!Number.isFinite(rate)) throw new UnitError(`bandwidth too large: got ${JSON.stringify(text)}`);
  return rate;
}

/** "10/s", "0.5/m", "3/h" -> events per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*\/\s*(us|ms|s|m|min|h)\s*$/.exec(text);
  if (m === null) throw new UnitError(`expected a rate like "10/s" or "0.5/m", got ${JSON.stringify(text)}`);
  const rate = (Number(m[1]) * 1_000_000) / (DURATION[m[2] as string] as number);
  if (!Number.isFinite(rate)) throw new UnitError(`rate too large: got ${JSON.stringify(text)}`);
  return rate;
}

/** Largest clock drift a scenario may set: 10% fast or slow (real quartz clocks are within ~100ppm). */
export const MAX_DRIFT_PPM = 100_000;

/** "200ppm" or "-50ppm" -> ppm, within +-MAX_DRIFT_PPM. */
export function parsePpm(text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*ppm\s*$/.exec(text);
  if (m === null) throw new UnitError(`expected a clock drift like "200ppm" or "-50ppm", got ${JSON.stringify(text)}`);
  const ppm = Number(m[1]);
  if (Math.abs(ppm) > MAX_DRIFT_PPM)
    throw new UnitError(
      `expected a clock drift between -${MAX_DRIFT_PPM}ppm and ${MAX_DRIFT_PPM}ppm, got ${JSON.stringify(text)}`,
    );
  return ppm;
}

/** A signed duration ("-20ms") for clock offsets. */
export function parseSignedDuration(text: string): number {
  const t = text.trim();
  if (!t.startsWith("-")) return parseDuration(t);
  try {
    return -parseDuration(t.slice(1));
  } catch (e) {
    // The message would quote the text without its sign ("--5ms" reported as "-5ms"): quote what was written.
    if (e instanceof UnitError)
      throw new UnitError(`expected a duration like "5ms" or "-5ms", got ${JSON.stringify(text)}`);
    throw e;
  }
}

/** Micros -> a short human string: 1.5s, 40ms, 250us. */
export function formatMicros(micros: number): string {
  const a = Math.abs(micros);
  if (a >= 1_000_000) return `${+(micros / 1_000_000).toFixed(3)}s`;
  if (a >= 1_000) return `${+(micros / 1_000).toFixed(3)}ms`;
  return `${micros}us`;
}
