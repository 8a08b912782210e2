/** How the viewer writes times (microseconds in the trace) and counts. */

export function formatTime(us: number): string {
  if (Math.abs(us) >= 1_000_000) return `${+(us / 1_000_000).toFixed(3)}s`;
  if (Math.abs(us) >= 1_000) return `${+(us / 1_000).toFixed(2)}ms`;
  return `${Math.round(us)}us`;
}

/** A Lamport timestamp as the logical-time layout writes it ("L 1,204"). */
export function formatLamport(l: number): string {
  return `L ${Math.round(l).toLocaleString("en-US")}`;
}

/** The time writer for a model's time columns: simulated time, or Lamport timestamps in the logical layout. */
export function timeFormat(m: { clock?: "lamport" } | null | undefined): (t: number) => string {
  return m?.clock === "lamport" ? formatLamport : formatTime;
}

export const formatCount = (n: number) => n.toLocaleString("en-US");

/**
 * A view field as text with spaces between its parts ({"n1":0,"n2":3} reads "n1: 0, n2: 3"), so the inspector can
 * wrap it between parts instead of in the middle of a word.
 */
export function showValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (typeof v === "object" && v !== null)
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${showValue(x)}`)
      .join(", ");
  return JSON.stringify(v) ?? String(v);
}
