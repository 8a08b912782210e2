/** How the viewer writes times (microseconds in the trace) and counts. */

export function formatTime(us: number): string {
  if (Math.abs(us) >= 1_000_000) return `${+(us / 1_000_000).toFixed(3)}s`;
  if (Math.abs(us) >= 1_000) return `${+(us / 1_000).toFixed(2)}ms`;
  return `${Math.round(us)}us`;
}

export const formatCount = (n: number) => n.toLocaleString("en-US");
