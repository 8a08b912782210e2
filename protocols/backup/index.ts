import type { KvOp, Protocol } from "../../sim/core/protocol.ts";
import { backupBugs } from "./bugs.ts";
import { backupInvariants, backupObservers } from "./invariants.ts";
import type { BackupMsg } from "./messages.ts";
import { type BackupState, createBackup, stepBackup } from "./node.ts";
import { type BackupOptions, backupOptions } from "./options.ts";

/**
 * Backup and restore: data nodes (each a KV shard with a change log) send full, incremental and differential
 * backups, in sha256-checksummed blocks, to a backup store on a schedule; a spare node restores a source to a point
 * in time from the store's chain and the source's log, verifies every block, and then serves the source's keys.
 * See docs/backup.md.
 */
export const backup: Protocol<BackupState, BackupMsg, KvOp, BackupOptions> = {
  name: "backup",
  description: "Full/incremental/differential backups with sha256 blocks and point-in-time restore to a new node.",
  options: backupOptions,
  create: createBackup,
  step: stepBackup,
  view: (s) => ({
    role: s.role,
    logLength: s.log.length,
    backups: s.taken.length,
    inFlight: s.inFlight?.kind ?? null,
    restore: s.restore?.phase ?? null,
  }),
  messageSize: (m) => {
    switch (m.type) {
      case "block":
      case "blocks":
        return 64 + m.bytes;
      case "manifest":
        return 128 + 80 * m.manifest.shas.length;
      case "manifests":
        return 64 + m.manifests.reduce((n, x) => n + 128 + 80 * x.shas.length, 0);
      case "log":
        return 64 + 40 * m.entries.length;
      default:
        return 64;
    }
  },
  messageType: (m) => m.type,
  invariants: backupInvariants,
  observers: backupObservers,
  metrics: [
    {
      name: "backup.bytes",
      kind: "counter",
      unit: "bytes",
      description: "bytes stored, per backup kind",
      label: "kind",
    },
    {
      name: "backup.duration",
      kind: "sample",
      unit: "micros",
      description: "start to stored, per kind",
      label: "kind",
    },
    {
      name: "backup.checksum-failures",
      kind: "counter",
      unit: "count",
      description: "damaged blocks or manifests found",
    },
    {
      name: "backup.paused-writes",
      kind: "counter",
      unit: "count",
      description: "writes refused during a cold backup",
      label: "node",
    },
    {
      name: "restore.duration",
      kind: "sample",
      unit: "micros",
      description: "restore start to join (RTO)",
      label: "source",
    },
    {
      name: "restore.lost-keys",
      kind: "gauge",
      unit: "count",
      description: "keys of unusable backups not restored",
      label: "source",
    },
    {
      name: "restore.rpo.writes",
      kind: "gauge",
      unit: "count",
      description: "source writes the restore lost",
      label: "source",
    },
    {
      name: "restore.rpo.time",
      kind: "gauge",
      unit: "micros",
      description: "loss point minus restored point",
      label: "source",
    },
  ],
  roles: ["data", "store", "spare", "restored"],
  bugs: backupBugs,
};
