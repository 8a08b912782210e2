import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { blockSha, chainOf, planChain, recordBytes, toBlocks } from "../../../protocols/backup/blocks.ts";
import type { BackupRecord, Manifest } from "../../../protocols/backup/messages.ts";

function manifest(id: string, kind: Manifest["kind"], base: string | null, seq: number): Manifest {
  return { id, source: "n1", kind, base, seq, t: seq * 1000, startedAt: seq * 1000, shas: [], keys: [], bytes: 0 };
}

describe("backup blocks", () => {
  it("counts a record's key, value and 8 bytes of framing", () => {
    const records: BackupRecord[] = [
      ["a", "xy"],
      ["bb", null],
    ];
    // (1 + 2 + 8) + (2 + 0 + 8)
    expect(records.reduce((n, r) => n + recordBytes(r), 0)).toBe(21);
  });

  it("checksums a block with the sha256 of its JSON, as node:crypto computes it", () => {
    const records: BackupRecord[] = [["k1", "c1:3"]];
    const expected = createHash("sha256").update(JSON.stringify(records)).digest("hex");
    expect(blockSha(records)).toBe(expected);
    expect(blockSha([["k1", "c1:4"]])).not.toBe(expected);
  });

  it("cuts records into blocks of at most blockKeys", () => {
    const records: BackupRecord[] = ["a", "b", "c", "d", "e"].map((k) => [k, k]);
    expect(toBlocks(records, 2).map((b) => b.length)).toEqual([2, 2, 1]);
  });
});

describe("restore chains", () => {
  const f1 = manifest("f1", "full", null, 1);
  const i1 = manifest("i1", "incremental", "f1", 2);
  const i2 = manifest("i2", "incremental", "i1", 3);
  const d1 = manifest("d1", "differential", "f1", 2);
  const d2 = manifest("d2", "differential", "f1", 3);

  it("takes the full and every incremental up to the latest", () => {
    expect(planChain([f1, i1, i2], new Set(), null)?.map((m) => m.id)).toEqual(["f1", "i1", "i2"]);
  });

  it("stops before a bad incremental: everything after it depends on it", () => {
    expect(planChain([f1, i1, i2], new Set(["i1"]), null)?.map((m) => m.id)).toEqual(["f1"]);
  });

  it("takes the full and one differential, and falls back to the older differential", () => {
    expect(planChain([f1, d1, d2], new Set(), null)?.map((m) => m.id)).toEqual(["f1", "d2"]);
    expect(planChain([f1, d1, d2], new Set(["d2"]), null)?.map((m) => m.id)).toEqual(["f1", "d1"]);
  });

  it("restores to a point: no backup taken after it", () => {
    expect(planChain([f1, i1, i2], new Set(), 2500)?.map((m) => m.id)).toEqual(["f1", "i1"]);
  });

  it("has no chain without an intact full", () => {
    expect(planChain([f1, i1, i2], new Set(["f1"]), null)).toBeNull();
    expect(chainOf(i2, new Map([["i2", i2]]), new Set())).toBeNull();
  });
});
