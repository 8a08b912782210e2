/**
 * The scenario file format (YAML or JSON), as a zod schema. Objects are strict: an unknown field is an error.
 * Durations, sizes, bandwidths and rates are strings with units, parsed here into engine units. The cross-checks
 * that need the whole file (node names, protocol, bugs) happen in resolve.ts.
 */
import { z } from "zod";
import {
  BANDWIDTH_EXAMPLES,
  formatMicros,
  parseBandwidth,
  parseDuration,
  parsePpm,
  parseRate,
  parseSignedDuration,
  parseSize,
  UnitError,
} from "../core/units.ts";
import { LIMITS } from "../core/limits.ts";
import { type LatencyDist, MAX_CLOCK_SKEW_MICROS } from "./resolved.ts";

function unit<T>(parse: (s: string) => T, what: string) {
  return z.string({ error: `expected a ${what}` }).transform((s, ctx) => {
    try {
      return parse(s);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: e instanceof UnitError ? e.message : String(e), input: s });
      return z.NEVER;
    }
  });
}

export const Duration = unit(parseDuration, 'duration with a unit, like "40ms"');
const PositiveDuration = Duration.refine(
  (d) => d > 0,
  "expected a duration of at least 1us (durations are whole microseconds)",
);
const skewMessage = `expected a clock offset within ${formatMicros(MAX_CLOCK_SKEW_MICROS)} either way`;
export const SignedDuration = unit(parseSignedDuration, 'duration with a unit, like "-20ms"');
const ClockOffset = SignedDuration.refine((d) => Math.abs(d) <= MAX_CLOCK_SKEW_MICROS, skewMessage);
export const Size = unit(parseSize, 'size with a unit, like "4KiB"');
export const Rate = unit(parseRate, 'rate like "10/s"');
const Probability = z
  .number({ error: "expected a number in [0, 1]" })
  .min(0, "expected a number in [0, 1]")
  .max(1, "expected a number in [0, 1]");

/** "40ms" | "uniform(30ms, 80ms)" | "normal(40ms, 5ms)" | "lognormal(40ms, 0.5)" | "pareto(10ms, 1.5, 2s)" */
export function parseLatency(text: string): LatencyDist {
  const m = /^\s*(constant|uniform|normal|lognormal|pareto)\s*\(([^)]*)\)\s*$/.exec(text);
  if (m === null) return { kind: "constant", valueMicros: parseDuration(text) };
  const args = (m[2] as string).split(",").map((a) => a.trim());
  const want = (n: number, shape: string) => {
    if (args.length !== n) throw new UnitError(`expected ${shape}, got ${JSON.stringify(text)}`);
  };
  const num = (s: string, what: string) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v <= 0)
      throw new UnitError(`expected ${what} to be a number > 0 in ${JSON.stringify(text)}`);
    return v;
  };
  switch (m[1]) {
    case "constant":
      want(1, "constant(D)");
      return { kind: "constant", valueMicros: parseDuration(args[0] as string) };
    case "uniform": {
      want(2, "uniform(MIN, MAX)");
      const min = parseDuration(args[0] as string);
      const max = parseDuration(args[1] as string);
      if (max < min) throw new UnitError(`expected MIN <= MAX in ${JSON.stringify(text)}`);
      return { kind: "uniform", minMicros: min, maxMicros: max };
    }
    case "normal":
      want(2, "normal(MEAN, STDDEV)");
      return {
        kind: "normal",
        meanMicros: parseDuration(args[0] as string),
        stddevMicros: parseDuration(args[1] as string),
      };
    case "lognormal":
      want(2, "lognormal(MEDIAN, SIGMA)");
      return {
        kind: "lognormal",
        medianMicros: parseDuration(args[0] as string),
        sigma: num(args[1] as string, "SIGMA"),
      };
    default: {
      want(3, "pareto(SCALE, SHAPE, CAP)");
      const scale = parseDuration(args[0] as string);
      const cap = parseDuration(args[2] as string);
      if (cap < scale)
        throw new UnitError(
          `expected SCALE <= CAP in ${JSON.stringify(text)} (every draw is at least SCALE, and at most CAP)`,
        );
      return { kind: "pareto", scaleMicros: scale, shape: num(args[1] as string, "SHAPE"), capMicros: cap };
    }
  }
}

export const Latency = unit(parseLatency, 'latency like "40ms" or "uniform(30ms, 80ms)"');

/** "uniform(1s, 5s)" or "2s" -> [min, max] micros. */
export const DurationRange = unit((s: string): [number, number] => {
  const d = parseLatency(s);
  if (d.kind === "constant") return [d.valueMicros, d.valueMicros];
  if (d.kind === "uniform") return [d.minMicros, d.maxMicros];
  throw new UnitError(`expected a duration or "uniform(MIN, MAX)", got ${JSON.stringify(s)}`);
}, 'duration range like "uniform(1s, 5s)"');

const Bandwidth = unit(
  (s: string): number | "unlimited" => (s.trim() === "unlimited" ? "unlimited" : parseBandwidth(s)),
  `bandwidth: ${BANDWIDTH_EXAMPLES}, or "unlimited"`,
);

export const LinkFields = {
  latency: Latency.optional(),
  loss: Probability.optional(),
  duplicate: Probability.optional(),
  bandwidth: Bandwidth.optional(),
  block: Size.optional(),
  queueLimit: Size.optional(),
  up: z.boolean().optional(),
  shared: z.boolean().optional(),
};
export const Link = z.strictObject(LinkFields);
const Between = z.tuple([z.string(), z.string()], { error: "expected [DC, DC]" });
const LinkOverride = z.strictObject({ between: Between, oneWay: z.boolean().optional(), ...LinkFields });

const Name = z.string({ error: "expected a name (string)" }).min(1, "expected a non-empty name");
const Names = z.array(Name).min(1, "expected at least one node or datacenter name");
const Partition = z.strictObject({
  groups: z.array(Names).min(2, "expected at least two groups").optional(),
  oneway: z.strictObject({ from: Names, to: Names }).optional(),
  bridge: z.string().optional(),
  sides: z.tuple([Names, Names]).optional(),
  isolateDc: z.string().optional(),
});

const DiskFault = z.enum(["lose-unsynced", "torn-write", "corrupt", "lying-fsync"]);

export const FAULT_ACTIONS = ["crash", "restart", "partition", "isolate", "heal", "link", "clock", "disk"] as const;

/** Fields that only mean something beside one action, and that action (`id` has a check and a message of its own). */
const COMPANIONS = [
  ["restartAfter", "crash"],
  ["point", "crash"],
  ["healAfter", "partition"],
  ["healAfter", "isolate"],
  ["offset", "clock"],
  ["drift", "clock"],
  ["fault", "disk"],
  ["key", "disk"],
] as const;

/**
 * A window of a run for checks.liveness.during and checks.nothingCommits: fixed times, a partition's life (its id), or
 * a node's first scheduled crash until its restart.
 */
const WINDOW_FIELDS = {
  from: Duration.optional(),
  to: Duration.optional(),
  fault: Name.optional(),
  crash: Name.optional(),
};

function checkWindow(w: { from?: number; to?: number; fault?: string; crash?: string }, ctx: z.RefinementCtx): void {
  const times = w.from !== undefined || w.to !== undefined;
  const kinds = [times, w.fault !== undefined, w.crash !== undefined].filter(Boolean).length;
  if (kinds !== 1)
    ctx.addIssue({
      code: "custom",
      message: "expected a window: { from: D, to: D }, { fault: PARTITION-ID } or { crash: NODE }",
    });
  else if (times && (w.from === undefined || w.to === undefined))
    ctx.addIssue({ code: "custom", message: "expected both `from` and `to`" });
  else if (times && (w.to as number) <= (w.from as number))
    ctx.addIssue({ code: "custom", path: ["to"], message: "expected `to` after `from`" });
}

const WindowInput = z.strictObject(WINDOW_FIELDS).superRefine(checkWindow);
const NothingCommitsInput = z
  .strictObject({ ...WINDOW_FIELDS, require: z.array(Name).min(1).optional() })
  .superRefine(checkWindow);

const Fault = z
  .strictObject({
    at: Duration,
    crash: z.string().optional(),
    restartAfter: Duration.optional(),
    point: z.enum(["before-sync"]).optional(),
    restart: z.string().optional(),
    partition: Partition.optional(),
    isolate: z.string().optional(),
    id: Name.optional(),
    healAfter: Duration.optional(),
    heal: Name.optional(),
    link: LinkOverride.optional(),
    clock: z.string().optional(),
    offset: ClockOffset.optional(),
    drift: unit(parsePpm, 'drift like "200ppm"').optional(),
    disk: z.string().optional(),
    fault: DiskFault.optional(),
    key: z.string().optional(),
  })
  .superRefine((f, ctx) => {
    const present = FAULT_ACTIONS.filter((a) => f[a] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          present.length === 0
            ? `expected one action: ${FAULT_ACTIONS.join(", ")}`
            : `expected exactly one action, got ${present.join(" and ")}`,
      });
    }
    if (f.id !== undefined && f.partition === undefined && f.isolate === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["id"],
        message: "an id names a partition (for a later `heal`), and this fault is not one",
      });
    // A field of another kind of fault would be ignored (a crash's `healAfter` would leave the node down): refused.
    if (present.length === 1) {
      const refused = new Set<string>();
      for (const [field, owner] of COMPANIONS) {
        if (f[field] === undefined || refused.has(field)) continue;
        if (COMPANIONS.some(([g, o]) => g === field && o === present[0])) continue;
        refused.add(field);
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `\`${field}\` belongs to a ${owner} fault, and this fault is a ${present[0]}`,
        });
      }
    }
    if (f.disk !== undefined && f.fault === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["fault"],
        message: "a disk fault needs `fault: lose-unsynced | torn-write | corrupt | lying-fsync`",
      });
    if (f.partition !== undefined) {
      const p = f.partition;
      const kinds = [p.groups, p.oneway, p.bridge, p.isolateDc].filter((x) => x !== undefined).length;
      if (kinds !== 1)
        ctx.addIssue({
          code: "custom",
          path: ["partition"],
          message: "expected exactly one of groups, oneway, bridge (with sides), isolateDc",
        });
      if (p.bridge !== undefined && p.sides === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["partition", "sides"],
          message: "a bridge partition needs `sides: [[...], [...]]`",
        });
      if (p.bridge === undefined && p.sides !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["partition", "sides"],
          message: "`sides` belongs to a bridge partition (with `bridge: NODE`)",
        });
    }
    if (f.clock !== undefined && f.offset === undefined && f.drift === undefined)
      ctx.addIssue({ code: "custom", path: ["clock"], message: "a clock fault needs `offset` and/or `drift`" });
  });

const RandomFaults = z.strictObject({
  crashRate: Rate.optional(),
  restartAfter: DurationRange.optional(),
  partitionRate: Rate.optional(),
  partitionDuration: DurationRange.optional(),
  clockSkewRate: Rate.optional(),
  clockSkewMax: Duration.refine(
    (d) => d <= MAX_CLOCK_SKEW_MICROS,
    `expected at most ${formatMicros(MAX_CLOCK_SKEW_MICROS)}`,
  ).optional(),
  diskFaultRate: Rate.optional(),
  diskFaults: z.array(DiskFault).optional(),
  partitionKinds: z
    .array(z.enum(["split", "oneway", "bridge", "isolate-dc"]))
    .min(1)
    .optional(),
  stopAt: Duration.nullable().optional(),
  maxDown: z.number().int().min(0).optional(),
});

const Count = z
  .number({ error: "expected a whole number" })
  .int("expected a whole number")
  .min(0, "expected a number >= 0");
/** Counts are checked against their limits before anything is built from them. */
const NodeCount = z
  .number({ error: "expected a whole number of nodes" })
  .int("expected a whole number of nodes")
  .min(1, "expected at least 1 node")
  .max(LIMITS.maxNodes, `expected at most ${LIMITS.maxNodes} nodes (the topology limit)`);
const ClientCount = Count.max(LIMITS.maxClients, `expected at most ${LIMITS.maxClients} clients (the workload limit)`);

export const ScenarioSchema = z.strictObject({
  name: z.string({ error: "expected a name (string)" }).min(1),
  description: z.string().optional(),
  // An integer, like the CLI's --seed: a failing run's repro line is `faultline run FILE --seed N`.
  seed: z
    .number({ error: "expected an integer seed, like 42" })
    .refine((n) => Number.isInteger(n), "expected an integer seed, like 42")
    .refine(
      (n) => Number.isSafeInteger(n),
      "expected an integer seed from -(2^53 - 1) to 2^53 - 1 (larger ones are not exact)",
    )
    .optional(),
  duration: PositiveDuration,
  protocol: z.strictObject({
    name: z.string({ error: "expected a protocol name" }),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  bugs: z.array(z.string()).optional(),
  topology: z.strictObject({
    datacenters: z
      .array(
        z.strictObject({
          name: Name,
          nodes: z.union(
            [
              NodeCount,
              z
                .array(Name)
                .min(1, "expected at least 1 node")
                .max(LIMITS.maxNodes, `expected at most ${LIMITS.maxNodes} nodes (the topology limit)`),
            ],
            {
              error: "expected a number of nodes or a list of node names",
            },
          ),
        }),
      )
      .min(1, "expected at least one datacenter"),
  }),
  network: z
    .strictObject({ intraDc: Link.optional(), interDc: Link.optional(), links: z.array(LinkOverride).optional() })
    .optional(),
  workload: z
    .strictObject({
      clients: ClientCount.optional(),
      rate: Rate.optional(),
      mix: z
        .strictObject({
          read: z.number().min(0).optional(),
          write: z.number().min(0).optional(),
          cas: z.number().min(0).optional(),
          append: z.number().min(0).optional(),
        })
        .optional(),
      keys: z.number().int().min(1).optional(),
      timeout: PositiveDuration.optional(),
      maxRedirects: Count.optional(),
      target: z.enum(["random", "leader", "local"]).optional(),
      start: Duration.optional(),
      stop: Duration.nullable().optional(),
      placement: z.array(z.string()).optional(),
    })
    .optional(),
  faults: z.strictObject({ schedule: z.array(Fault).optional(), random: RandomFaults.optional() }).optional(),
  checks: z
    .strictObject({
      invariants: z
        .union([z.literal("*"), z.array(z.string())], { error: 'expected "*" or a list of invariant names' })
        .optional(),
      linearizability: z
        .union([z.boolean(), z.strictObject({ maxStates: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) })], {
          error: "expected true, false or { maxStates: N } (a positive integer)",
        })
        .optional(),
      liveness: z
        .strictObject({
          require: z.array(z.string()).min(1),
          window: Duration,
          during: z.array(WindowInput).min(1).optional(),
        })
        .nullable()
        .optional(),
      nothingCommits: z.array(NothingCommitsInput).min(1).optional(),
      stopOnViolation: z.boolean().optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxEvents: z.number().int().min(1).optional(),
      maxPending: z.number().int().min(1).max(4_000_000).optional(),
    })
    .optional(),
  trace: z.strictObject({ enabled: z.boolean().optional(), recordMessages: z.boolean().optional() }).optional(),
});

export type ScenarioInput = z.output<typeof ScenarioSchema>;
export type WindowInputType = z.output<typeof WindowInput>;
export type FaultInput = z.output<typeof Fault>;
export type LinkInput = z.output<typeof Link>;
