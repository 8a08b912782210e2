/**
 * The one-line repro of a run, as a POSIX shell command: `faultline run FILE --seed N [--duration D] [--bug B]...`.
 * It carries everything that changes what the run does beyond the scenario file, and quotes what a shell would split.
 */

/** `text` as one POSIX shell word: unchanged when it is plainly safe, otherwise in single quotes. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface ReproSpec {
  file: string;
  /** The run's seed. A string seed can come only from the scenario file (--seed takes integers), so it is left out. */
  seed: number | string;
  /** The --duration text the run was given, if any. */
  duration?: string | undefined;
  /** Every --bug flag the run was given (the scenario's own bugs come with the file). */
  bugs?: readonly string[];
  /** Extra flags the failure needs to show, like --check-determinism. */
  flags?: readonly string[];
}

export function reproLine(r: ReproSpec): string {
  const words = ["faultline", "run", r.file];
  if (typeof r.seed === "number") words.push("--seed", String(r.seed));
  if (r.duration !== undefined) words.push("--duration", r.duration);
  for (const b of new Set(r.bugs ?? [])) words.push("--bug", b);
  words.push(...(r.flags ?? []));
  return words.map(shellQuote).join(" ");
}
