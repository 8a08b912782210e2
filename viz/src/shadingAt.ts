/**
 * What the shading of a lane at a time means, for the tooltip: down time, the term tint and the leader bar are drawn
 * on the canvas (no element to hover), so the hovered point is looked up here instead.
 */
import { timeFormat } from "./format.ts";
import type { Model } from "./model.ts";
import { upperBound } from "./messageIndex.ts";
import { timeIndex } from "./timeIndex.ts";

export function shadingAt(m: Model, lane: number, t: number): string | null {
  const id = m.lanes[lane]?.id ?? "?";
  const lines: string[] = [];
  const formatTime = timeFormat(m);
  for (const d of m.down)
    if (d.lane === lane && d.t0 <= t && t <= d.t1)
      lines.push(`${id} down from ${formatTime(d.t0)} to ${formatTime(d.t1)}`);
  const sp = timeIndex(m).spans[lane];
  if (sp !== undefined) {
    const i = upperBound(sp.t0, t) - 1;
    if (i >= 0 && t <= (sp.t1[i] as number)) {
      const term = sp.term[i] as number;
      const lead = sp.lead[i] as string;
      const epoch = m.hints.epoch ?? "epoch";
      if (term >= 0)
        lines.push(
          `${id} in ${epoch} ${term} (${formatTime(sp.t0[i] as number)} to ${formatTime(sp.t1[i] as number)})`,
        );
      if (lead !== "") lines.push(`${id} ${lead}${term >= 0 ? ` of ${epoch} ${term}` : ""}`);
    }
  }
  return lines.length === 0 ? null : lines.join("\n");
}
