import { describe, expect, it } from "vitest";
import type { NodeContext } from "../../../sim/core/protocol.ts";
import { rngStream } from "../../../sim/core/rng.ts";
import { Disk } from "../../../sim/world/disk.ts";
import type { Entry, RaftMsg, Snapshot } from "../../../protocols/raft/messages.ts";
import { raftOptions } from "../../../protocols/raft/options.ts";
import { initialState, type RaftState } from "../../../protocols/raft/state.ts";
import { load, saveEntries, saveSnapshot, sync } from "../../../protocols/raft/storage.ts";

const bugs = {
  commitOldTerm: false,
  forgetVote: false,
  noPrevLogCheck: false,
  noStepDown: false,
  damagedSnapshotStalls: false,
  leaseWithoutClockBound: false,
  planted: false,
};

/** A node's storage functions over one Disk, with no engine. */
function node(disk: Disk): { s: RaftState; ctx: NodeContext<RaftMsg>; notes: string[] } {
  const notes: string[] = [];
  const ctx: NodeContext<RaftMsg> = {
    id: "n1",
    peers: [],
    nodes: ["n1"],
    dc: "dc1",
    dcOf: () => "dc1",
    now: () => 0,
    rng: rngStream(1, "node:n1"),
    send: () => {},
    setTimer: () => {},
    cancelTimer: () => {},
    persist: (key, value) => disk.persist(key, value),
    sync: () => disk.sync(),
    read: (key) => disk.read(key),
    keys: (prefix) => disk.keys(prefix),
    reply: () => {},
    note: (text) => notes.push(text),
    metric: () => {},
  };
  const s = initialState("n1", ["n1"], raftOptions.defaults({ nodes: ["n1"] }), bugs);
  load(s, ctx);
  return { s, ctx, notes };
}

const entry = (term: number, id: string): Entry =>
  Object.freeze({ term, id, cmd: Object.freeze({ type: "noop" as const }) });

function append(s: RaftState, ...entries: Entry[]): number {
  const from = s.log.lastIndex + 1;
  for (const e of entries) s.log.append(e);
  return from;
}

const ids = (s: RaftState) =>
  Array.from({ length: s.log.lastIndex - s.log.base }, (_, k) => s.log.entry(s.log.base + 1 + k)?.id);

describe("raft storage (log chunks)", () => {
  it("writes what was appended between two syncs as one chunk, and loads it back after a crash", () => {
    const disk = new Disk();
    const { s, ctx } = node(disk);
    append(s, entry(1, "a"), entry(1, "b"));
    sync(s, ctx);
    append(s, entry(1, "c"), entry(1, "d"), entry(1, "e"));
    sync(s, ctx);
    append(s, entry(1, "lost")); // never synced
    saveEntries(s, ctx, s.log.lastIndex);
    expect(disk.keys("log:")).toEqual(["log:1", "log:3", "log:6"]);
    disk.crash(false);
    const after = node(disk).s;
    expect(ids(after)).toEqual(["a", "b", "c", "d", "e"]);
    expect(after.chunks).toEqual([1, 3]);
  });

  it("writes a truncation as a new chunk that overrides the older ones from its start, deleting later chunks", () => {
    const disk = new Disk();
    const { s, ctx } = node(disk);
    append(s, entry(1, "a"), entry(1, "b"), entry(1, "c"));
    sync(s, ctx);
    append(s, entry(1, "d"), entry(1, "e"));
    sync(s, ctx);
    s.log.truncateFrom(3);
    saveEntries(s, ctx, append(s, entry(2, "C")));
    sync(s, ctx);
    expect(disk.keys("log:")).toEqual(["log:1", "log:3"]);
    expect(ids(node(disk).s)).toEqual(["a", "b", "C"]);
    // A truncation with nothing after it leaves an empty chunk that ends the log.
    s.log.truncateFrom(2);
    saveEntries(s, ctx, 2);
    sync(s, ctx);
    expect(disk.read("log:2")).toEqual([]);
    expect(ids(node(disk).s)).toEqual(["a"]);
  });

  it("deletes the chunks a snapshot covers whole and loads the entries after the snapshot", () => {
    const disk = new Disk();
    const { s, ctx } = node(disk);
    append(s, entry(1, "a"), entry(1, "b"));
    sync(s, ctx);
    append(s, entry(1, "c"), entry(1, "d"));
    sync(s, ctx);
    append(s, entry(1, "e"));
    sync(s, ctx);
    const snap: Snapshot = { lastIndex: 3, lastTerm: 1, kv: [], sessions: [], voters: ["n1"] };
    saveSnapshot(s, ctx, snap, 3);
    sync(s, ctx);
    expect(disk.keys("log:")).toEqual(["log:3", "log:5"]); // log:3 still holds entry 4
    const after = node(disk).s;
    expect(after.log.base).toBe(3);
    expect(ids(after)).toEqual(["d", "e"]);
  });

  it("marks the node damaged when a chunk fails its checksum, and loads the log only up to it", () => {
    const disk = new Disk();
    const { s, ctx } = node(disk);
    append(s, entry(1, "a"));
    sync(s, ctx);
    append(s, entry(1, "b"));
    sync(s, ctx);
    disk.corrupt("log:2", (n) => n - 1);
    const after = node(disk);
    expect(after.s.damaged).toBe(true);
    expect(ids(after.s)).toEqual(["a"]);
    expect(after.notes.join("\n")).toMatch(/log:2 failed its checksum/);
  });
});
