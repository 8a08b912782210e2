/**
 * Units in scenario files: durations ("40ms", "2s", "250us", "1.5m", "1h"), sizes ("512B", "4KiB", "1MB"),
 * bandwidth ("100Mbps", "1Gbps", "10MB/s"), rates ("10/s", "0.5/m") and drift ("200ppm"). Parsers return a number in
 * the engine's unit (integer micros, bytes, bytes per second, per second, ppm) or throw UnitError with what was
 * expected; the scenario loader adds the file and field path.
 */
export class UnitError extends Error {
  override name = "UnitError";
}

const DURATION: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, min: 60_000_000, h: 3_600_000_000 };
const SIZE: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3,
};
const BITS: Record<string, number> = { bps: 1 / 8, Kbps: 1e3 / 8, Mbps: 1e6 / 8, Gbps: 1e9 / 8 };

function split(text: string, what: string, example: string): { value: number; unit: string } {
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([A-Za-zµ/]+(?:\/s)?)\s*$/.exec(text);
  if (m === null) {
    if (/^\s*-?\d+(\.\d+)?\s*$/.test(text)) throw new UnitError(`expected a ${what} with a unit, like "${example}", got ${JSON.stringify(text)} (a bare number has no unit)`);
    throw new UnitError(`expected a ${what} like "${example}", got ${JSON.stringify(text)}`);
  }
  const value = Number(m[1]);
  if (!Number.isFinite(value)) throw new UnitError(`expected a finite ${what}, got ${JSON.stringify(text)}`);
  if (value < 0) throw new UnitError(`expected a ${what} >= 0, got ${JSON.stringify(text)}`);
  return { value, unit: m[2] as string };
}

export function parseDuration(text: string): number {
  const { value, unit } = split(text, "duration", "40ms");
  const f = DURATION[unit];
  if (f === undefined) throw new UnitError(`unknown duration unit "${unit}" in ${JSON.stringify(text)} (use us, ms, s, m or h)`);
  return Math.round(value * f);
}

export function parseSize(text: string): number {
  const { value, unit } = split(text, "size", "4KiB");
  const f = SIZE[unit];
  if (f === undefined) throw new UnitError(`unknown size unit "${unit}" in ${JSON.stringify(text)} (use B, KB, MB, GB, KiB, MiB or GiB)`);
  return Math.round(value * f);
}

export function parseBandwidth(text: string): number {
  const { value, unit } = split(text, "bandwidth", "100Mbps");
  const bits = BITS[unit];
  if (bits !== undefined) return value * bits;
  if (unit.endsWith("/s")) {
    const f = SIZE[unit.slice(0, -2)];
    if (f !== undefined) return value * f;
  }
  throw new UnitError(`unknown bandwidth unit "${unit}" in ${JSON.stringify(text)} (use bps, Kbps, Mbps, Gbps or B/s, KB/s, MB/s, MiB/s...)`);
}

/** "10/s", "0.5/m", "3/h" -> events per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*\/\s*(us|ms|s|m|min|h)\s*$/.exec(text);
  if (m === null) throw new UnitError(`expected a rate like "10/s", got ${JSON.stringify(text)}`);
  return (Number(m[1]) * 1_000_000) / (DURATION[m[2] as string] as number);
}

/** "200ppm" or "-50ppm" -> ppm. */
export function parsePpm(text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*ppm\s*$/.exec(text);
  if (m === null) throw new UnitError(`expected a clock drift like "200ppm", got ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** A signed duration ("-20ms") for clock offsets. */
export function parseSignedDuration(text: string): number {
  const t = text.trim();
  return t.startsWith("-") ? -parseDuration(t.slice(1)) : parseDuration(t);
}

/** Micros -> a short human string: 1.5s, 40ms, 250us. */
export function formatMicros(micros: number): string {
  const a = Math.abs(micros);
  if (a >= 1_000_000) return `${+(micros / 1_000_000).toFixed(3)}s`;
  if (a >= 1_000) return `${+(micros / 1_000).toFixed(3)}ms`;
  return `${micros}us`;
}
