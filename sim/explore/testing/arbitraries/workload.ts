/**
 * Client workloads as fast-check arbitraries, in the scenario file's words. Shrinks toward fewer clients, a lower
 * rate, fewer keys and reads and writes only.
 */
import fc from "fast-check";

export interface WorkloadFile {
  clients: number;
  rate: string;
  mix: { read: number; write: number; cas: number; append: number };
  keys: number;
  timeout: string;
  target: "leader" | "random" | "local";
}

export interface WorkloadArbOptions {
  /** Fewest clients (default 0). */
  minClients?: number;
  /** Most clients (default 3). */
  maxClients?: number;
  /** Most ops per second per client (default 20). */
  maxRate?: number;
}

export function workloadArb(o: WorkloadArbOptions = {}): fc.Arbitrary<WorkloadFile> {
  const weight = fc.integer({ min: 0, max: 3 });
  return fc
    .record({
      clients: fc.integer({ min: o.minClients ?? 0, max: o.maxClients ?? 3 }),
      rate: fc.integer({ min: 1, max: o.maxRate ?? 20 }),
      read: fc.integer({ min: 1, max: 3 }),
      write: fc.integer({ min: 1, max: 3 }),
      cas: weight,
      append: weight,
      keys: fc.integer({ min: 1, max: 4 }),
      timeoutMs: fc.integer({ min: 200, max: 2_000 }),
      target: fc.constantFrom("leader" as const, "random" as const, "local" as const),
    })
    .map((w) => ({
      clients: w.clients,
      rate: `${w.rate}/s`,
      mix: { read: w.read, write: w.write, cas: w.cas, append: w.append },
      keys: w.keys,
      timeout: `${w.timeoutMs}ms`,
      target: w.target,
    }));
}
