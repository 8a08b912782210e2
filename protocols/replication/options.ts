import { z } from "zod";
import { defineOptions, micros, nodeId, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** Primary-backup replication's options. */
export const replicationOptions = defineOptions((env) =>
  z.object({
    mode: z
      .enum(["sync", "semi-sync", "async"])
      .default("sync")
      .describe(
        "when a write is acknowledged: sync after every backup in the sync set holds it durably, semi-sync after " +
          "`semiSyncAcks` backups (degrading to async after `semiSyncTimeoutMicros`), async after the local write",
      ),
    semiSyncAcks: z.number().int().min(1).default(1).describe("semi-sync: backups that must hold a write (k)"),
    semiSyncTimeoutMicros: micros(1)
      .default(1_000_000)
      .describe("semi-sync: a write waiting this long for k backups degrades the primary to async"),
    reads: z
      .enum(["primary", "backup"])
      .default("primary")
      .describe("where reads are served: the primary only, or any backup from its own copy"),
    maxStalenessMicros: micros(0)
      .nullable()
      .default(null)
      .describe("backup reads: a backup further behind the primary than this redirects the read (null: no bound)"),
    primary: nodeId(env).nullable().default(null).describe("the first primary (null: the first node)"),
    heartbeatMicros: micros(1).default(50_000).describe("the primary's heartbeat (and re-send) period"),
    failureTimeoutMicros: micros(1)
      .default(500_000)
      .describe("failure detector: a backup that hears no primary this long (plus jitter) stands for election"),
    leaseMicros: micros(1)
      .default(300_000)
      .describe("the primary serves only within this long of its last heartbeat a majority answered (< timeout)"),
    electionJitterMicros: micros(0).default(200_000).describe("random extra wait before standing, so ties are rare"),
    batch: z.number().int().min(1).max(4096).default(64).describe("most log entries per append message"),
    batchIntervalMicros: micros(0)
      .default(0)
      .describe("ship new entries this often in one batch (0: ship each write at once)"),
    logRetain: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe("entries a node keeps after its snapshot; a backup further behind gets a full copy"),
  }),
);

export type ReplicationOptions = OptionsOf<typeof replicationOptions>;
