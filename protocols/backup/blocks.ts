import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { assert } from "../../sim/core/assert.ts";
import type { BackupRecord, Manifest } from "./messages.ts";

/** Bytes a record takes in a block: its key, its value and 8 bytes of framing. */
export function recordBytes(r: BackupRecord): number {
  return r[0].length + (r[1] ?? "").length + 8;
}

/** The sha256 of a block: hex of the digest of its canonical JSON (records sorted by key). */
export function blockSha(records: readonly BackupRecord[]): string {
  const hex = bytesToHex(sha256(utf8ToBytes(JSON.stringify(records))));
  assert(hex.length === 64, () => `backup: sha256 hex of ${hex.length} characters`);
  return hex;
}

/** Cut sorted records into blocks of at most `blockKeys` records. */
export function toBlocks(records: readonly BackupRecord[], blockKeys: number): BackupRecord[][] {
  assert(blockKeys >= 1, () => `backup: blocks of ${blockKeys} records`);
  const out: BackupRecord[][] = [];
  for (let i = 0; i < records.length; i += blockKeys) out.push(records.slice(i, i + blockKeys));
  assert(out.reduce((n, b) => n + b.length, 0) === records.length, "backup: every record in one block");
  return out;
}

/**
 * The restore chain for backup `m`: its full, then each delta up to `m` (incrementals: every one in between;
 * differential: itself). null when a member is missing or known bad.
 */
export function chainOf(m: Manifest, byId: ReadonlyMap<string, Manifest>, bad: ReadonlySet<string>): Manifest[] | null {
  const chain: Manifest[] = [];
  let cur: Manifest | undefined = m;
  while (cur !== undefined) {
    if (bad.has(cur.id)) return null;
    chain.unshift(cur);
    if (cur.kind === "full") break;
    assert(cur.base !== null, () => `backup: ${cur?.id} is a ${cur?.kind} without a base`);
    cur = byId.get(cur.base);
    if (cur === undefined) return null;
    assert(chain.length <= byId.size, "backup: a chain longer than the backups (a cycle)");
  }
  assert(chain[0]?.kind === "full", "backup: a chain starts at a full backup");
  return chain;
}

/** The latest usable chain whose snapshot is at or before `point` (null: any), or null when none is. */
export function planChain(
  manifests: readonly Manifest[],
  bad: ReadonlySet<string>,
  point: number | null,
): Manifest[] | null {
  const byId = new Map(manifests.map((m) => [m.id, m]));
  const candidates = manifests.filter((m) => point === null || m.t <= point).sort((a, b) => b.seq - a.seq);
  for (const m of candidates) {
    const chain = chainOf(m, byId, bad);
    if (chain !== null) return chain;
  }
  return null;
}
