import { z } from "zod";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** The master-master protocol's options. */
export const multimasterOptions = defineOptions(() =>
  z.object({
    resolution: z
      .enum(["lww", "siblings"])
      .default("lww")
      .describe(
        'conflict resolution: "lww" (last writer wins on hybrid logical clocks) or "siblings" (version vectors keep ' +
          "concurrent versions; a read answers them joined, a write supersedes them)",
      ),
    flushMicros: micros(1).default(20_000).describe("ship new updates to each peer this often (one batch per peer)"),
    batch: z.number().int().min(1).max(10_000).default(64).describe("most updates per replicate message"),
    retryMicros: micros(1)
      .default(200_000)
      .describe("heartbeat each peer this often; resend from what it acknowledged when it made no progress"),
  }),
);

export type MultimasterOptions = OptionsOf<typeof multimasterOptions>;
