/** How the viewer writes times (microseconds in the trace) and counts. */

export function formatTime(us: number): string {
  if (Math.abs(us) >= 1_000_000) return `${+(us / 1_000_000).toFixed(3)}s`;
  if (Math.abs(us) >= 1_000) return `${+(us / 1_000).toFixed(2)}ms`;
  return `${Math.round(us)}us`;
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
