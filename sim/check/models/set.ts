import type { Model } from "./model.ts";
import { resultList } from "./op.ts";

/** Insert `v` into a sorted, duplicate-free array (a new array; the old one is a search state and stays as it is). */
function insert(set: readonly string[], v: string): readonly string[] {
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((set[mid] as string) < v) lo = mid + 1;
    else hi = mid;
  }
  if (set[lo] === v) return set;
  return [...set.slice(0, lo), v, ...set.slice(lo)];
}

/**
 * A grow-only set per key (Knossos' set): add(v) inserts v; read returns every element, in any order (duplicates in
 * a read result are an error of the reader and never match).
 */
export const setModel: Model<readonly string[]> = {
  name: "set",
  summary: "one grow-only set per key: add v, read (returns every element, any order)",
  ops: ["add", "read"],
  init: () => [],
  step(set, op, result, checked) {
    if (op.f === "add") return insert(set, op.value);
    if (op.f !== "read") return undefined;
    if (!checked) return set;
    const got = resultList(result);
    if (got === null || got.length !== set.length) return undefined;
    const sorted = [...got].sort();
    for (let i = 0; i < sorted.length; i++) if (sorted[i] !== set[i]) return undefined;
    return set;
  },
  key: (set) => set.join("\u0001"),
  isReadOnly: (op) => op.f === "read",
  writes: (op) => (op.f === "add" ? [op.value] : []),
  reads: (op, result, ok) => (ok && op.f === "read" ? (resultList(result) ?? []) : []),
};
