import { z } from "zod";
import { defineOptions, micros, nodeId, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** The backup protocol's options: who stores, the schedule, the kinds, and the restores to run. */
export const backupOptions = defineOptions((env) =>
  z.object({
    store: nodeId(env).nullable().default(null).describe("the backup store node (null: the last node)"),
    fullEveryMicros: micros(1).default(4_000_000).describe("a full backup at every multiple of this time"),
    deltaEveryMicros: micros(1).default(1_000_000).describe("a backup (full or delta) at every multiple of this time"),
    delta: z
      .array(z.enum(["incremental", "differential"]))
      .min(1)
      .default(["incremental"])
      .describe(
        "delta kind of data node i: delta[i mod length] (incremental: since the last backup of any kind; " +
          "differential: since the last full)",
      ),
    temperature: z
      .array(z.enum(["hot", "cold"]))
      .min(1)
      .default(["hot"])
      .describe(
        "temperature of data node i: temperature[i mod length] (hot: writes continue during a backup, which is of " +
          "its snapshot point; cold: writes fail until the backup is stored)",
      ),
    blockKeys: z.number().int().min(1).max(4096).default(4).describe("most records (keys) per backup block"),
    backupTimeoutMicros: micros(1).default(10_000_000).describe("a backup not stored by then is abandoned"),
    logTimeoutMicros: micros(1).default(500_000).describe("a restore waits this long for the source's change log"),
    restores: z
      .array(
        z.object({
          source: nodeId(env).describe("the data node whose backups are restored"),
          target: nodeId(env).describe("the new node that receives them and then serves the source's keys"),
          atMicros: micros(0).describe("when the restore starts"),
          pointMicros: micros(0).nullable().default(null).describe("the point in time (null: as late as possible)"),
        }),
      )
      .default([])
      .describe("restores to run (each target is a spare node, not a data node)"),
  }),
);

export type BackupOptions = OptionsOf<typeof backupOptions>;
export type BackupKind = "full" | "incremental" | "differential";
