/**
 * A resolved scenario written back as a scenario file (the input format of sim/scenario/schema.ts), so a scenario
 * that exists only resolved (a trace's header, a shrunk scenario) becomes a file `faultline run` takes. Every field
 * is written out, times in microseconds ("1500us"), sizes in bytes, rates per second; loading the file gives the
 * scenario back (test/explore/scenarioFile.test.ts checks it for the whole library). Pure: no Node APIs.
 */
import { assertNever } from "../core/types.ts";
import type {
  FaultAction,
  LatencyDist,
  LinkSpec,
  PartitionSpec,
  RandomFaults,
  ResolvedScenario,
  ScheduledFault,
  WindowRef,
} from "../scenario/resolved.ts";

type Json = Record<string, unknown>;

const us = (micros: number) => `${micros}us`;
const perSecond = (rate: number) => `${rate}/s`;

function windowRef(w: WindowRef): Json {
  if ("crash" in w) return { crash: w.crash };
  if ("fault" in w) return { fault: w.fault };
  return { from: us(w.fromMicros), to: us(w.toMicros) };
}

function latency(d: LatencyDist): string {
  switch (d.kind) {
    case "constant":
      return us(d.valueMicros);
    case "uniform":
      return `uniform(${us(d.minMicros)}, ${us(d.maxMicros)})`;
    case "normal":
      return `normal(${us(d.meanMicros)}, ${us(d.stddevMicros)})`;
    case "lognormal":
      return `lognormal(${us(d.medianMicros)}, ${d.sigma})`;
    case "pareto":
      return `pareto(${us(d.scaleMicros)}, ${d.shape}, ${us(d.capMicros)})`;
    default:
      return assertNever(d, "latency distribution");
  }
}

/** The link fields of a (partial) spec: only those given. */
function linkFields(s: Partial<LinkSpec>): Json {
  const out: Json = {};
  if (s.latency !== undefined) out.latency = latency(s.latency);
  if (s.loss !== undefined) out.loss = s.loss;
  if (s.duplicate !== undefined) out.duplicate = s.duplicate;
  if (s.bandwidthBytesPerSecond !== undefined)
    out.bandwidth = s.bandwidthBytesPerSecond === null ? "unlimited" : `${s.bandwidthBytesPerSecond}B/s`;
  if (s.blockBytes !== undefined) out.block = `${s.blockBytes}B`;
  if (s.queueLimitBytes !== undefined) out.queueLimit = `${s.queueLimitBytes}B`;
  if (s.up !== undefined) out.up = s.up;
  if (s.shared !== undefined) out.shared = s.shared;
  return out;
}

function partition(p: PartitionSpec): Json {
  switch (p.kind) {
    case "symmetric":
      return { groups: p.groups };
    case "oneway":
      return { oneway: { from: p.from, to: p.to } };
    case "bridge":
      return { bridge: p.bridge, sides: p.sides };
    case "isolate-dc":
      return { isolateDc: p.dc };
    default:
      return assertNever(p, "partition");
  }
}

function action(a: FaultAction): Json {
  switch (a.action) {
    case "crash":
    case "crash-role":
      return {
        crash: a.action === "crash" ? a.node : a.role,
        ...(a.restartAfterMicros !== null ? { restartAfter: us(a.restartAfterMicros) } : {}),
        ...(a.point !== undefined ? { point: a.point } : {}),
      };
    case "isolate-role":
      return {
        isolate: a.role,
        id: a.id,
        ...(a.healAfterMicros !== null ? { healAfter: us(a.healAfterMicros) } : {}),
      };
    case "restart":
      return { restart: a.node };
    case "partition":
      return {
        partition: partition(a.spec),
        id: a.id,
        ...(a.healAfterMicros !== null ? { healAfter: us(a.healAfterMicros) } : {}),
      };
    case "heal":
      return { heal: a.id ?? "all" };
    case "link":
      return { link: { between: [a.from, a.to], oneWay: a.oneWay, ...linkFields(a.change) } };
    case "clock":
      return {
        clock: a.node,
        ...(a.offsetMicros !== null ? { offset: us(a.offsetMicros) } : {}),
        ...(a.driftPpm !== null ? { drift: `${a.driftPpm}ppm` } : {}),
      };
    case "disk":
      return { disk: a.node, fault: a.fault, ...(a.key !== null ? { key: a.key } : {}) };
    default:
      return assertNever(a, "fault action");
  }
}

function fault(f: ScheduledFault): Json {
  const { atMicros, ...rest } = f;
  return { at: us(atMicros), ...action(rest as FaultAction) };
}

function random(r: RandomFaults): Json {
  return {
    crashRate: perSecond(r.crashRate),
    restartAfter: `uniform(${us(r.restartAfterMinMicros)}, ${us(r.restartAfterMaxMicros)})`,
    partitionRate: perSecond(r.partitionRate),
    partitionDuration: `uniform(${us(r.partitionDurationMinMicros)}, ${us(r.partitionDurationMaxMicros)})`,
    clockSkewRate: perSecond(r.clockSkewRate),
    clockSkewMax: us(r.clockSkewMaxMicros),
    diskFaultRate: perSecond(r.diskFaultRate),
    diskFaults: r.diskFaultKinds,
    ...(r.partitionKinds !== undefined ? { partitionKinds: r.partitionKinds } : {}),
    stopAt: r.stopAtMicros === null ? null : us(r.stopAtMicros),
    maxDown: r.maxDown,
  };
}

/** The scenario as a scenario file's object (write it with YAML or JSON). */
export function scenarioFileObject(s: ResolvedScenario): Json {
  const w = s.workload;
  const c = s.checks;
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    ...(typeof s.seed === "number" ? { seed: s.seed } : {}),
    duration: us(s.durationMicros),
    protocol: { name: s.protocol.name, options: s.protocol.options },
    bugs: s.bugs,
    topology: { datacenters: s.topology.datacenters.map((d) => ({ name: d.name, nodes: d.nodes })) },
    network: {
      intraDc: linkFields(s.network.intraDc),
      interDc: linkFields(s.network.interDc),
      links: s.network.links.map((l) => ({ between: [l.from, l.to], oneWay: l.oneWay, ...linkFields(l.spec) })),
    },
    workload: {
      clients: w.clients,
      placement: w.placement,
      rate: perSecond(w.ratePerClient),
      mix: w.mix,
      keys: w.keys,
      timeout: us(w.timeoutMicros),
      maxRedirects: w.maxRedirects,
      target: w.target,
      start: us(w.startMicros),
      stop: w.stopMicros === null ? null : us(w.stopMicros),
    },
    faults: {
      schedule: s.faults.schedule.map(fault),
      ...(s.faults.random !== null ? { random: random(s.faults.random) } : {}),
    },
    checks: {
      invariants: c.invariants.length === 1 && c.invariants[0] === "*" ? "*" : c.invariants,
      linearizability:
        c.linearizabilityMaxStates !== undefined ? { maxStates: c.linearizabilityMaxStates } : c.linearizability,
      liveness:
        c.liveness === null
          ? null
          : {
              require: c.liveness.require,
              window: us(c.liveness.windowMicros),
              ...(c.liveness.during !== undefined ? { during: c.liveness.during.map(windowRef) } : {}),
            },
      ...(c.nothingCommits !== undefined
        ? { nothingCommits: c.nothingCommits.map((x) => ({ ...windowRef(x.window), require: x.require })) }
        : {}),
      stopOnViolation: c.stopOnViolation,
    },
    limits: s.limits,
    trace: s.trace,
  };
}
