import { z } from "zod";
import { defineOptions, micros, nodeId, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** The register's options. */
export const registerOptions = defineOptions((env) =>
  z.object({
    mode: z
      .enum(["single", "primary-backup"])
      .default("primary-backup")
      .describe('replicate to backups or not ("single": the primary alone; "primary-backup": commit on a majority)'),
    primary: nodeId(env).nullable().default(null).describe("the primary (null: the first node)"),
    retryMicros: micros(1).default(50_000).describe("re-send unacknowledged entries this often"),
    batch: z.number().int().min(1).default(64).describe("most entries per replicate message"),
  }),
);

export type RegisterOptions = OptionsOf<typeof registerOptions>;
