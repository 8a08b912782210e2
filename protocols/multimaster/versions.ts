import { assert } from "../../sim/core/assert.ts";
import type { Hlc } from "./hlc.ts";

/**
 * A version vector: origin node -> the highest sequence number of that origin's writes the version has seen. A write
 * numbered `seq` by `origin` carries a vector with vv[origin] = seq (its dot) joined with the vectors of the versions
 * its node held for the key when it wrote (what it saw).
 */
export type VersionVector = Readonly<Record<string, number>>;

/** One version of a key: the value, who wrote it (origin, seq), its HLC timestamp and its version vector. */
export interface Version {
  value: string;
  origin: string;
  seq: number;
  hlc: Hlc;
  vv: VersionVector;
}

export type Order = "before" | "after" | "equal" | "concurrent";

/** How `a` relates to `b` causally: before (b saw a), after (a saw b), equal, or concurrent. */
export function vvCompare(a: VersionVector, b: VersionVector): Order {
  let less = false;
  let greater = false;
  for (const k of Object.keys(a)) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) less = true;
    else if (x > y) greater = true;
  }
  for (const k of Object.keys(b)) if (!(k in a) && (b[k] ?? 0) > 0) less = true;
  if (less && greater) return "concurrent";
  if (less) return "before";
  if (greater) return "after";
  return "equal";
}

/** The least vector above all of `vvs`, keys sorted (so equal vectors print the same). */
export function vvJoin(vvs: readonly VersionVector[]): Record<string, number> {
  const out: Record<string, number> = {};
  const keys = new Set<string>();
  for (const v of vvs) for (const k of Object.keys(v)) keys.add(k);
  for (const k of [...keys].sort()) {
    let m = 0;
    for (const v of vvs) m = Math.max(m, v[k] ?? 0);
    out[k] = m;
  }
  for (const v of vvs) assert(vvCompare(v, out) !== "after", () => "vvJoin: a joined vector is below an input");
  return out;
}

/** Whether a version with vector `vv` has seen the write (origin, seq). */
export function vvSaw(vv: VersionVector, origin: string, seq: number): boolean {
  return (vv[origin] ?? 0) >= seq;
}

/** A version's identity: its dot. */
export function versionId(v: Version): string {
  return `${v.origin}:${v.seq}`;
}

/** Siblings in their canonical order: by value, then id, so every replica lists and joins them the same way. */
export function sortSiblings(vs: Version[]): Version[] {
  return vs.sort((a, b) => (a.value !== b.value ? (a.value < b.value ? -1 : 1) : versionId(a) < versionId(b) ? -1 : 1));
}

/**
 * What a read returns for a key holding `vs`: null when absent, the value when there is one version, else the
 * siblings' values in canonical order joined by "|" (the encoding a client sees; a later write supersedes them all).
 */
export function joinedValue(vs: readonly Version[] | undefined): string | null {
  if (vs === undefined || vs.length === 0) return null;
  return vs.map((v) => v.value).join("|");
}
