import { z } from "zod";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** Master-master options. */
export const multiMasterOptions = defineOptions(() =>
  z.object({
    resolution: z
      .enum(["lww", "siblings"])
      .default("lww")
      .describe(
        'conflict resolution ("lww": last writer wins on hybrid logical clocks; "siblings": version vectors keep ' +
          'concurrent values, a read returns them joined by "|", a write supersedes what its node held)',
      ),
    batch: z.number().int().min(1).max(4096).default(64).describe("most writes per replicate message"),
    flushMicros: micros(0).default(2_000).describe("batching window: writes wait this long before shipping"),
    retryMicros: micros(1).default(200_000).describe("re-send unacknowledged writes (and heartbeat) this often"),
    suspectMicros: micros(1)
      .default(600_000)
      .describe("a peer silent this long and then heard again counts as a reconnection (a healed partition)"),
    maxSiblings: z.number().int().min(2).max(1024).default(64).describe("most siblings a key may hold (a limit)"),
  }),
);

export type MultiMasterOptions = OptionsOf<typeof multiMasterOptions>;
