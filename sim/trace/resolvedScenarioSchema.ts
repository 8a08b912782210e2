/**
 * A zod schema for a ResolvedScenario (sim/scenario/resolved.ts): what a trace header records and `replay` re-runs.
 * The scenario file schema (sim/scenario/schema.ts) validates user files; this one validates the resolved shape read
 * back from a trace, whose header may be hand-edited or damaged. The type-level checks at the bottom make the schema
 * and the ResolvedScenario type agree exactly, so a change to either one that is not made to the other fails tsc.
 * Browser-safe.
 */
import { z } from "zod";
import type { ResolvedScenario } from "../scenario/resolved.ts";

/** Virtual times and durations: whole microseconds, at least 0, exactly representable. */
const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const positiveMicros = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const probability = z.number().min(0).max(1);
const rate = z.number().min(0).finite();
const positive = z.number().positive().finite();
const name = z.string().min(1);
const diskFault = z.enum(["lose-unsynced", "torn-write", "corrupt"]);

const latency = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), valueMicros: micros }),
  z.object({ kind: z.literal("uniform"), minMicros: micros, maxMicros: micros }),
  z.object({ kind: z.literal("normal"), meanMicros: micros, stddevMicros: micros }),
  z.object({ kind: z.literal("lognormal"), medianMicros: micros, sigma: positive }),
  z.object({ kind: z.literal("pareto"), scaleMicros: micros, shape: positive, capMicros: micros }),
]);

const linkShape = {
  latency,
  loss: probability,
  duplicate: probability,
  bandwidthBytesPerSecond: positive.nullable(),
  blockBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  queueLimitBytes: count,
  up: z.boolean(),
};
const link = z.object(linkShape);

const nodes = z.array(name);
const partition = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("symmetric"), groups: z.array(nodes) }),
  z.object({ kind: z.literal("oneway"), from: nodes, to: nodes }),
  z.object({ kind: z.literal("bridge"), sides: z.tuple([nodes, nodes]), bridge: name }),
  z.object({ kind: z.literal("isolate-dc"), dc: name }),
]);

const at = { atMicros: micros };
const scheduledFault = z.discriminatedUnion("action", [
  z.object({ ...at, action: z.literal("crash"), node: name, restartAfterMicros: micros.nullable() }),
  z.object({ ...at, action: z.literal("restart"), node: name }),
  z.object({ ...at, action: z.literal("partition"), id: name, spec: partition, healAfterMicros: micros.nullable() }),
  z.object({ ...at, action: z.literal("heal"), id: name.nullable() }),
  z.object({ ...at, action: z.literal("link"), from: name, to: name, oneWay: z.boolean(), change: link.partial() }),
  z.object({ ...at, action: z.literal("clock"), node: name, offsetMicros: z.number().int().nullable(), driftPpm: z.number().finite().nullable() }),
  z.object({ ...at, action: z.literal("disk"), node: name, fault: diskFault, key: z.string().nullable() }),
]);

const randomFaults = z.object({
  crashRate: rate,
  restartAfterMinMicros: micros,
  restartAfterMaxMicros: micros,
  partitionRate: rate,
  partitionDurationMinMicros: micros,
  partitionDurationMaxMicros: micros,
  clockSkewRate: rate,
  clockSkewMaxMicros: micros,
  diskFaultRate: rate,
  diskFaultKinds: z.array(diskFault),
  stopAtMicros: micros.nullable(),
  maxDown: count,
});

const workload = z.object({
  clients: count,
  placement: z.array(name),
  ratePerClient: rate,
  mix: z.object({ read: rate, write: rate, cas: rate, append: rate }),
  keys: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  timeoutMicros: positiveMicros,
  maxRedirects: count,
  target: z.enum(["random", "leader", "local"]),
  startMicros: micros,
  stopMicros: micros.nullable(),
});

export const ResolvedScenarioSchema = z.object({
  name: z.string(),
  description: z.string(),
  seed: z.union([z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), z.string()]),
  durationMicros: positiveMicros,
  protocol: z.object({ name, options: z.record(z.string(), z.unknown()) }),
  bugs: z.array(name),
  topology: z.object({ datacenters: z.array(z.object({ name, nodes: z.array(name).min(1) })).min(1) }),
  network: z.object({ intraDc: link, interDc: link, links: z.array(z.object({ from: name, to: name, oneWay: z.boolean(), spec: link })) }),
  workload,
  faults: z.object({ schedule: z.array(scheduledFault), random: randomFaults.nullable() }),
  checks: z.object({
    invariants: z.array(name),
    linearizability: z.boolean(),
    liveness: z.object({ require: z.array(name), windowMicros: micros }).nullable(),
    stopOnViolation: z.boolean(),
  }),
  limits: z.object({ maxEvents: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), maxPending: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
  trace: z.object({ enabled: z.boolean(), recordMessages: z.boolean() }),
});

// The schema and the type must agree both ways: a field added to, removed from or changed in either fails here.
type Parsed = z.infer<typeof ResolvedScenarioSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<Parsed, ResolvedScenario> = true;
void schemaMatchesType;
