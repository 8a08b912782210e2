import { z } from "zod";
import { defineOptions, micros, type OptionsOf } from "../../sim/core/protocolOptions.ts";

/** Echo's options. */
export const echoOptions = defineOptions(() =>
  z.object({
    inFlight: z.number().int().min(1).max(100_000).default(20).describe("pings each node keeps outstanding"),
    retryMicros: micros(1)
      .default(200_000)
      .describe("re-send a ping not echoed within this long (lost pings are recovered by this retry)"),
    maxEchoes: z.number().int().min(0).default(0).describe("stop after this many echoes per node (0: never)"),
  }),
);

export type EchoOptions = OptionsOf<typeof echoOptions>;
