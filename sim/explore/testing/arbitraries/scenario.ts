/**
 * Whole scenarios as fast-check arbitraries, for any registered protocol: `scenarioArb({ protocol: "raft" })` gives
 * plain scenario data the loader accepts (the same fields as a YAML scenario file), so a failing one is written to a
 * file and re-run with `faultline run FILE --seed N`. Every part shrinks: fewer nodes and datacenters, a shorter run,
 * fewer faults, fewer clients, default options, a plainer network.
 */
import fc from "fast-check";
import type { AnyProtocol } from "../../../core/protocol.ts";
import type { ProtocolRegistry } from "../../../core/registry.ts";
import {
  type FaultArbOptions,
  type FaultFile,
  faultTemplatesArb,
  placeFaults,
  placeRandomFaults,
  randomRatesArb,
  type RandomFaultsFile,
} from "./faults.ts";
import { type NetworkArbOptions, type NetworkFile, networkArb } from "./network.ts";
import { optionsDrawArb } from "./options.ts";
import { datacenterCountsArb, nodeIdsOf, placeTopology, type TopologyFile } from "./topology.ts";
import { type WorkloadArbOptions, type WorkloadFile, workloadArb } from "./workload.ts";

/** A scenario as plain data, in the scenario file's format (what `parseScenario` and `faultline run` read). */
export interface ScenarioFile {
  name: string;
  description: string;
  seed: number;
  duration: string;
  protocol: { name: string; options: Record<string, unknown> };
  bugs?: string[];
  topology: TopologyFile;
  network: NetworkFile;
  workload: WorkloadFile;
  faults: { schedule: FaultFile[]; random?: RandomFaultsFile };
  checks: {
    invariants: "*";
    liveness?: { require: string[]; window: string };
  };
}

export interface ScenarioArbOptions {
  /** A registered protocol's name. */
  protocol: string;
  /** Where the protocol is registered (Faultline's own: protocols/index.ts's `registry`). */
  registry: ProtocolRegistry;
  /** Planted bug variants to switch on. */
  bugs?: readonly string[];
  /** Node count bounds (default: the fewest the protocol's options allow, at most 5). */
  nodes?: { min?: number; max?: number };
  /** Most datacenters (default 3). */
  maxDatacenters?: number;
  /** Run length bounds in milliseconds (default 1000 to 8000). */
  durationMs?: { min?: number; max?: number };
  /** Scheduled faults (default: up to 4 of every kind); `false`: none. */
  faults?: FaultArbOptions | false;
  /** Draw random fault rates too (default true). */
  randomFaults?: boolean;
  network?: NetworkArbOptions;
  workload?: WorkloadArbOptions;
  /** Protocol options: derived from its schema (default), its defaults only, or some set and the rest derived. */
  options?: "derived" | "defaults" | { fixed: Record<string, unknown> };
  /** A liveness check to add (off by default: random faults can legitimately keep a protocol from progress). */
  liveness?: { require: string[]; windowMs: number };
  /** The fewest and most simulator seeds (default 0 to 2^31 - 1; the seed shrinks toward the minimum). */
  seed?: { min?: number; max?: number };
}

/** The fewest nodes the protocol's default options accept (2PC and 3PC need a coordinator and a participant). */
export function fewestNodes(protocol: AnyProtocol, most = 8): number {
  for (let n = 1; n <= most; n++) {
    try {
      protocol.options.defaults({ nodes: Array.from({ length: n }, (_, i) => `n${i + 1}`) });
      return n;
    } catch {
      // the defaults need more nodes
    }
  }
  throw new Error(`scenarioArb: protocol ${protocol.name}'s default options need more than ${most} nodes`);
}

function protocolOf(o: ScenarioArbOptions): AnyProtocol {
  const registry = o.registry;
  const p = registry.get(o.protocol);
  if (p === undefined)
    throw new Error(`scenarioArb: unknown protocol "${o.protocol}" (known: ${registry.names().join(", ")})`);
  for (const b of o.bugs ?? [])
    if (!(b in p.bugs))
      throw new Error(
        `scenarioArb: protocol ${p.name} has no bug variant "${b}" ` +
          `(it has: ${Object.keys(p.bugs).join(", ") || "none"})`,
      );
  return p;
}

/** An arbitrary scenario for `o.protocol` that the scenario loader accepts. */
export function scenarioArb(o: ScenarioArbOptions): fc.Arbitrary<ScenarioFile> {
  const protocol = protocolOf(o);
  const minNodes = Math.max(o.nodes?.min ?? 1, fewestNodes(protocol));
  const maxNodes = Math.max(minNodes, o.nodes?.max ?? 5);
  const minMs = o.durationMs?.min ?? 1_000;
  const maxMs = Math.max(minMs, o.durationMs?.max ?? 8_000);
  const options =
    o.options === "defaults"
      ? fc.constant(() => ({}))
      : optionsDrawArb(protocol, o.options === undefined || o.options === "derived" ? {} : o.options.fixed);
  return fc
    .record({
      seed: fc.integer({ min: o.seed?.min ?? 0, max: o.seed?.max ?? 2 ** 31 - 1 }),
      durationMs: fc.integer({ min: minMs, max: maxMs }),
      counts: datacenterCountsArb({ maxNodes, maxDatacenters: o.maxDatacenters }),
      options,
      network: networkArb(o.network),
      workload: workloadArb(o.workload),
      faults: o.faults === false ? fc.constant([]) : faultTemplatesArb(o.faults),
      random: o.randomFaults === false ? fc.constant(null) : randomRatesArb(),
    })
    .map((d): ScenarioFile => {
      const topology = placeTopology(d.counts, minNodes, maxNodes);
      const random = placeRandomFaults(d.random, d.durationMs);
      return {
        name: `${protocol.name}-property`,
        description: "drawn by scenarioArb (testing/arbitraries/scenario.ts)",
        seed: d.seed,
        duration: `${d.durationMs}ms`,
        protocol: { name: protocol.name, options: d.options(nodeIdsOf(topology)) },
        ...(o.bugs !== undefined && o.bugs.length > 0 ? { bugs: [...o.bugs] } : {}),
        topology,
        network: d.network,
        workload: d.workload,
        faults: {
          schedule: placeFaults(
            d.faults,
            topology,
            d.durationMs,
            protocol.roles,
            o.faults === false ? undefined : o.faults?.diskFaults,
          ),
          ...(random === null ? {} : { random }),
        },
        checks: {
          invariants: "*",
          ...(o.liveness === undefined
            ? {}
            : { liveness: { require: o.liveness.require, window: `${o.liveness.windowMs}ms` } }),
        },
      };
    });
}
