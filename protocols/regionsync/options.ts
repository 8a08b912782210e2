import { z } from "zod";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** Cross-region sync's options (docs/regionsync.md explains each and the formulas they feed). */
export const regionsyncOptions = defineOptions(() =>
  z.object({
    mode: z
      .enum(["push", "pull"])
      .default("push")
      .describe('"push": the source sends batches as changes happen; "pull": each target polls every source'),
    batch: z.number().int().min(1).max(4096).default(32).describe("most changes per batch message"),
    window: z.number().int().min(1).max(1024).default(8).describe("most batches in flight per region pair"),
    flushMicros: micros(0).default(5_000).describe("push: wait this long after a change to gather a batch"),
    pollMicros: micros(1).default(100_000).describe("pull: each target polls each source this often"),
    retryMicros: micros(1).default(1_000_000).describe("resend from the last acknowledged position after no progress"),
    changeBytes: z.number().int().min(1).max(1_048_576).default(1024).describe("bytes of one change on the wire (d)"),
    headerBytes: z.number().int().min(0).max(65_536).default(64).describe("bytes of a message's header"),
    compressionRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe("compressed size over original size of a batch's changes (1: no compression)"),
    compressNanosPerByte: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe("CPU time to compress one byte of changes, in nanoseconds (charged before the send)"),
    encryptNanosPerByte: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe("CPU time to encrypt one byte of (compressed) changes, in nanoseconds (charged before the send)"),
  }),
);

export type RegionsyncOptions = OptionsOf<typeof regionsyncOptions>;
