/**
 * Traces the export tests read: one or more per protocol (raft, 2pc, 3pc, register, echo), each with faults, drops
 * and, where the network duplicates, duplicates. Runs are shortened to keep the tests quick; each is made once.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import type { ResolvedScenario } from "../../../sim/scenario/resolved.ts";
import type { TraceEvent } from "../../../sim/trace/events.ts";
import { parseTrace, type ParsedTrace } from "../../../sim/trace/reader.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");

/** Echo pings over a lossy, duplicating network with random crashes and partitions (no scenario file has them). */
const ECHO = `
name: echo-faults
seed: 7
duration: 4s
protocol: { name: echo, options: { inFlight: 3, retryMicros: 200000 } }
topology:
  datacenters:
    - { name: east, nodes: 3 }
    - { name: west, nodes: 2 }
network:
  intraDc: { latency: "uniform(1ms, 20ms)", loss: 0.05, duplicate: 0.05 }
  interDc: { latency: "uniform(20ms, 60ms)", loss: 0.05, duplicate: 0.05 }
faults:
  random:
    crashRate: 0.3/s
    restartAfter: uniform(100ms, 600ms)
    partitionRate: 0.5/s
    partitionDuration: uniform(100ms, 800ms)
    maxDown: 2
`;

/** Scenario file, seed and a shorter duration (microseconds). */
export const CASES: { name: string; file: string; seed: number; durationMicros: number }[] = [
  { name: "raft, lossy and duplicating", file: "raft-unreliable.yaml", seed: 3, durationMicros: 6_000_000 },
  { name: "raft, datacenter partition", file: "raft-dc-partition.yaml", seed: 1, durationMicros: 8_000_000 },
  { name: "2pc, lossy and duplicating", file: "2pc-lossy.yaml", seed: 2, durationMicros: 4_000_000 },
  { name: "2pc, partitions", file: "2pc-partitions.yaml", seed: 1, durationMicros: 6_000_000 },
  { name: "3pc, coordinator crash", file: "3pc-coordinator-crash.yaml", seed: 1, durationMicros: 4_000_000 },
  {
    name: "register, crash and isolated datacenter",
    file: "register-primary-backup.yaml",
    seed: 1,
    durationMicros: 9_000_000,
  },
  { name: "echo, crashes, partitions, loss and duplicates", file: "", seed: 7, durationMicros: 4_000_000 },
];

const cache = new Map<string, ParsedTrace>();

export function scenarioOf(c: (typeof CASES)[number]): ResolvedScenario {
  if (c.file === "") return parseScenario(ECHO, "echo-faults.yaml", registry);
  return parseScenario(readFileSync(resolve(root, "scenarios", c.file), "utf8"), c.file, registry);
}

/** The case's trace, parsed back from its NDJSON text (what `faultline export` reads). */
export function traceOf(c: (typeof CASES)[number]): ParsedTrace {
  let t = cache.get(c.name);
  if (t === undefined) {
    const r = runScenario(scenarioOf(c), { registry, seed: c.seed, durationMicros: c.durationMicros, sink: "record" });
    t = parseTrace(r.trace?.toNdjson() ?? "", `${c.name} (seed ${c.seed})`);
    cache.set(c.name, t);
  }
  return t;
}

export function count(events: readonly TraceEvent[], pred: (e: TraceEvent) => boolean): number {
  let n = 0;
  for (const e of events) if (pred(e)) n++;
  return n;
}
