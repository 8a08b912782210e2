import { LIMITS } from "../core/limits.ts";
import { formatMicros } from "../core/units.ts";
import type { ProtocolRegistry } from "../core/registry.ts";
import type { NodeId } from "../core/types.ts";
import { ScenarioError } from "./scenarioError.ts";
import {
  isClientName,
  RANDOM_PARTITION_PREFIX,
  type FaultAction,
  type LinkSpec,
  type PartitionSpec,
  type RandomFaults,
  type ResolvedScenario,
  type ScheduledFault,
  type WindowRef,
} from "./resolved.ts";
import type { FaultInput, LinkInput, ScenarioInput, WindowInputType } from "./schema.ts";
import { CLIENT_OK, CLIENT_OK_WRITE } from "../check/conditions.ts";

export const DEFAULT_INTRA_DC: LinkSpec = {
  latency: { kind: "uniform", minMicros: 200, maxMicros: 1_000 },
  loss: 0,
  duplicate: 0,
  bandwidthBytesPerSecond: null,
  blockBytes: 1,
  queueLimitBytes: 64 * 1024 * 1024,
  up: true,
};
export const DEFAULT_INTER_DC: LinkSpec = {
  ...DEFAULT_INTRA_DC,
  latency: { kind: "uniform", minMicros: 30_000, maxMicros: 80_000 },
};

function linkChange(l: LinkInput): Partial<LinkSpec> {
  const c: Partial<LinkSpec> = {};
  if (l.latency !== undefined) c.latency = l.latency;
  if (l.loss !== undefined) c.loss = l.loss;
  if (l.duplicate !== undefined) c.duplicate = l.duplicate;
  if (l.bandwidth !== undefined) c.bandwidthBytesPerSecond = l.bandwidth === "unlimited" ? null : l.bandwidth;
  if (l.block !== undefined) c.blockBytes = Math.max(1, l.block);
  if (l.queueLimit !== undefined) c.queueLimitBytes = l.queueLimit;
  if (l.up !== undefined) c.up = l.up;
  if (l.shared !== undefined) c.shared = l.shared;
  return c;
}

/** Cross-checks and defaults: the schema-valid input becomes the ResolvedScenario the engine runs. */
export function resolveScenario(input: ScenarioInput, source: string, registry?: ProtocolRegistry): ResolvedScenario {
  const fail = (path: string, message: string): never => {
    throw new ScenarioError(source, path, message);
  };
  const dcs = resolveTopology(input, fail);
  const dcNames = dcs.map((d) => d.name);
  const nodeIds = dcs.flatMap((d) => d.nodes);
  const expand = (names: string[], path: string): NodeId[] => {
    const out: NodeId[] = [];
    names.forEach((n, i) => {
      const dc = dcs.find((d) => d.name === n);
      if (dc !== undefined) out.push(...dc.nodes);
      else if (nodeIds.includes(n)) out.push(n);
      else
        fail(
          `${path}[${i}]`,
          `unknown node or datacenter "${n}" (nodes: ${nodeIds.join(", ")}; datacenters: ${dcNames.join(", ")})`,
        );
    });
    return [...new Set(out)];
  };
  const checkDc = (name: string, path: string) => {
    if (!dcNames.includes(name)) fail(path, `unknown datacenter "${name}" (datacenters: ${dcNames.join(", ")})`);
  };
  const checkNode = (name: string, path: string) => {
    if (!nodeIds.includes(name)) fail(path, `unknown node "${name}" (nodes: ${nodeIds.join(", ")})`);
  };

  const net = input.network ?? {};
  const intraDc = { ...DEFAULT_INTRA_DC, ...linkChange(net.intraDc ?? {}) };
  const interDc = { ...DEFAULT_INTER_DC, ...linkChange(net.interDc ?? {}) };
  const links = (net.links ?? []).map((l, i) => {
    checkDc(l.between[0], `network.links[${i}].between[0]`);
    checkDc(l.between[1], `network.links[${i}].between[1]`);
    const base = l.between[0] === l.between[1] ? intraDc : interDc;
    return { from: l.between[0], to: l.between[1], oneWay: l.oneWay ?? false, spec: { ...base, ...linkChange(l) } };
  });

  // Roles a fault can target (`crash: leader`): the protocol's, when a registry says which protocol it is.
  const roles = registry?.get(input.protocol.name)?.roles ?? [];
  const isNode = (name: string) => nodeIds.includes(name);
  const schedule = resolveSchedule(
    input.faults?.schedule ?? [],
    { expand, checkDc, checkNode, fail, roles, isNode, nodeIds },
    input.duration,
  );
  const random = resolveRandom(input.faults?.random);
  if (random !== null && random.diskFaultRate > 0 && random.diskFaultKinds.length === 0) {
    fail(
      "faults.random.diskFaults",
      "expected at least one disk fault kind (lose-unsynced, torn-write, corrupt) when diskFaultRate is above 0",
    );
  }
  const w = input.workload ?? {};
  // Bounds that would make the workload do nothing, silently (the clients would never send an op).
  if (w.start !== undefined && w.start >= input.duration) {
    fail(
      "workload.start",
      `expected a start before the end of the run (${formatMicros(input.duration)}), got ${formatMicros(w.start)}`,
    );
  }
  if (w.stop !== undefined && w.stop !== null && w.stop <= (w.start ?? 0)) {
    fail(
      "workload.stop",
      `expected a stop after the start (${formatMicros(w.start ?? 0)}), got ${formatMicros(w.stop)}`,
    );
  }
  for (const [i, p] of (w.placement ?? []).entries()) checkDc(p, `workload.placement[${i}]`);
  const clients = w.clients ?? 0;
  const mix = { read: w.mix?.read ?? 1, write: w.mix?.write ?? 1, cas: w.mix?.cas ?? 0, append: w.mix?.append ?? 0 };
  if (clients > 0 && mix.read + mix.write + mix.cas + mix.append <= 0) {
    fail(
      "workload.mix",
      `expected at least one operation kind (read, write, cas, append) with a weight > 0 when there are ` +
        `clients, got ${JSON.stringify(mix)}`,
    );
  }
  const partitionIds = new Set(
    schedule.flatMap((f) => (f.action === "partition" || f.action === "isolate-role" ? [f.id] : [])),
  );
  const windowOf = (x: WindowInputType, path: string): WindowRef => {
    if (x.crash !== undefined) {
      checkNode(x.crash, `${path}.crash`);
      if (!schedule.some((f) => f.action === "crash" && f.node === x.crash))
        fail(`${path}.crash`, `no crash of ${x.crash} in faults.schedule`);
      return { crash: x.crash };
    }
    if (x.fault !== undefined) {
      if (!partitionIds.has(x.fault))
        fail(
          `${path}.fault`,
          `no partition "${x.fault}" in faults.schedule (partition ids: ${[...partitionIds].join(", ") || "none"})`,
        );
      return { fault: x.fault };
    }
    const w = { fromMicros: x.from ?? 0, toMicros: x.to ?? 0 };
    if (w.fromMicros >= input.duration)
      fail(`${path}.from`, `expected a start before the end of the run (${formatMicros(input.duration)})`);
    return w;
  };
  const scenario: ResolvedScenario = {
    name: input.name,
    description: input.description ?? "",
    seed: input.seed ?? 1,
    durationMicros: input.duration,
    protocol: { name: input.protocol.name, options: input.protocol.options ?? {} },
    bugs: input.bugs ?? [],
    topology: { datacenters: dcs },
    network: { intraDc, interDc, links },
    workload: {
      clients,
      placement: w.placement ?? [],
      ratePerClient: w.rate ?? 10,
      mix,
      keys: w.keys ?? 3,
      timeoutMicros: w.timeout ?? 1_000_000,
      maxRedirects: w.maxRedirects ?? 5,
      target: w.target ?? "leader",
      startMicros: w.start ?? 0,
      stopMicros: w.stop ?? null,
    },
    faults: { schedule, random },
    checks: {
      invariants:
        input.checks?.invariants === undefined || input.checks.invariants === "*" ? ["*"] : input.checks.invariants,
      linearizability:
        input.checks?.linearizability === undefined ? clients > 0 : input.checks.linearizability !== false,
      // Only when the file sets it, so every other scenario's resolved form (and trace header) stays as it was.
      ...(typeof input.checks?.linearizability === "object"
        ? { linearizabilityMaxStates: input.checks.linearizability.maxStates }
        : {}),
      liveness: input.checks?.liveness
        ? {
            require: input.checks.liveness.require,
            windowMicros: input.checks.liveness.window,
            // Only when the file sets it, so every other scenario's resolved form stays as it was.
            ...(input.checks.liveness.during !== undefined
              ? { during: input.checks.liveness.during.map((x, i) => windowOf(x, `checks.liveness.during[${i}]`)) }
              : {}),
          }
        : null,
      ...(input.checks?.nothingCommits !== undefined
        ? {
            nothingCommits: input.checks.nothingCommits.map((x, i) => ({
              window: windowOf(x, `checks.nothingCommits[${i}]`),
              require: x.require ?? [CLIENT_OK_WRITE],
            })),
          }
        : {}),
      stopOnViolation: input.checks?.stopOnViolation ?? true,
    },
    limits: { maxEvents: input.limits?.maxEvents ?? 50_000_000, maxPending: input.limits?.maxPending ?? 4_000_000 },
    trace: { enabled: input.trace?.enabled ?? true, recordMessages: input.trace?.recordMessages ?? true },
  };
  if (registry !== undefined) checkProtocol(scenario, registry, fail);
  return scenario;
}

function resolveTopology(
  input: ScenarioInput,
  fail: (p: string, m: string) => never,
): { name: string; nodes: NodeId[] }[] {
  // The total is checked before any name is made: each datacenter's count is bounded by the schema, their sum here.
  const total = input.topology.datacenters.reduce(
    (n, dc) => n + (typeof dc.nodes === "number" ? dc.nodes : dc.nodes.length),
    0,
  );
  if (total > LIMITS.maxNodes)
    fail("topology.datacenters", `expected at most ${LIMITS.maxNodes} nodes in all (the topology limit), got ${total}`);
  let counter = 0;
  const seen = new Set<string>();
  const dcs = input.topology.datacenters.map((dc, i) => {
    if (seen.has(dc.name)) fail(`topology.datacenters[${i}].name`, `datacenter "${dc.name}" is declared twice`);
    seen.add(dc.name);
    const nodes = typeof dc.nodes === "number" ? Array.from({ length: dc.nodes }, () => `n${++counter}`) : dc.nodes;
    return { name: dc.name, nodes };
  });
  const all = new Set<string>();
  // Clients are c1..cN in the trace, beside the nodes: a node of the same name would make the trace ambiguous.
  const clients = input.workload?.clients ?? 0;
  dcs.forEach((dc, i) => {
    dc.nodes.forEach((n, j) => {
      if (all.has(n) || seen.has(n))
        fail(
          `topology.datacenters[${i}].nodes[${j}]`,
          `node name "${n}" is used twice (node and datacenter names must be unique)`,
        );
      if (isClientName(n, clients)) {
        fail(
          `topology.datacenters[${i}].nodes[${j}]`,
          `node name "${n}" is the name of a client (the ${clients} clients are c1..c${clients}); pick another name`,
        );
      }
      all.add(n);
    });
  });
  return dcs;
}

interface Checkers {
  expand: (names: string[], path: string) => NodeId[];
  checkDc: (name: string, path: string) => void;
  checkNode: (name: string, path: string) => void;
  fail: (path: string, message: string) => never;
  roles: readonly string[];
  isNode: (name: string) => boolean;
  nodeIds: readonly NodeId[];
}

/** A fault target that is not a node: one of the protocol's roles, or an error naming both nodes and roles. */
function checkRole(name: string, path: string, c: Checkers): string {
  if (c.roles.includes(name)) return name;
  if (c.roles.length === 0) return c.fail(path, `unknown node "${name}" (nodes: ${c.nodeIds.join(", ")})`);
  return c.fail(path, `unknown node or role "${name}" (nodes: ${c.nodeIds.join(", ")}; roles: ${c.roles.join(", ")})`);
}

function resolveSchedule(faults: FaultInput[], c: Checkers, durationMicros: number): ScheduledFault[] {
  // Partition ids: explicit ones are unique; the others get p1, p2, ... in file order, skipping the explicit ones.
  const explicit = new Map<string, number>();
  faults.forEach((f, i) => {
    if ((f.partition === undefined && f.isolate === undefined) || f.id === undefined) return;
    if (f.id.startsWith(RANDOM_PARTITION_PREFIX)) {
      c.fail(
        `faults.schedule[${i}].id`,
        `partition ids starting with "${RANDOM_PARTITION_PREFIX}" are kept for the partitions of random ` +
          `faults; pick another id`,
      );
    }
    const first = explicit.get(f.id);
    if (first !== undefined)
      c.fail(
        `faults.schedule[${i}].id`,
        `partition id "${f.id}" is already used by faults.schedule[${first}] (ids must be unique)`,
      );
    explicit.set(f.id, i);
  });
  const ids = new Map<number, string>();
  let auto = 0;
  faults.forEach((f, i) => {
    if (f.partition === undefined && f.isolate === undefined) return;
    let id = f.id;
    while (id === undefined || (f.id === undefined && explicit.has(id))) id = `p${++auto}`;
    ids.set(i, id);
  });
  // Checked and resolved in time order, as the engine runs them (stable by file order: faults at the same time run
  // in file order), so a heal must come after its partition in time, not in the file.
  const order = faults.map((f, i) => ({ f, i })).sort((a, b) => a.f.at - b.f.at || a.i - b.i);
  const started = new Set<string>();
  return order.map(({ f, i }): ScheduledFault => {
    const path = `faults.schedule[${i}]`;
    if (f.at > durationMicros)
      c.fail(
        `${path}.at`,
        `expected a time within the scenario's duration (${formatMicros(durationMicros)}), got ${formatMicros(f.at)}`,
      );
    if (f.heal !== undefined && f.heal !== "all" && !started.has(f.heal)) {
      const later = [...ids].find(([, id]) => id === f.heal);
      if (later !== undefined) {
        const [j] = later;
        c.fail(
          `${path}.heal`,
          `partition "${f.heal}" starts at ${formatMicros((faults[j] as FaultInput).at)} ` +
            `(faults.schedule[${j}]), after this heal at ${formatMicros(f.at)}`,
        );
      }
      c.fail(
        `${path}.heal`,
        `no partition with id "${f.heal}" starts before this heal (use "all" or a partition's id)`,
      );
    }
    const id = ids.get(i);
    if (id !== undefined) started.add(id);
    return { atMicros: f.at, ...resolveAction(f, path, c, id ?? "") };
  });
}

function resolveAction(f: FaultInput, path: string, c: Checkers, partitionId: string): FaultAction {
  if (f.crash !== undefined) {
    const point = f.point === undefined ? {} : { point: f.point };
    if (!c.isNode(f.crash)) {
      const role = checkRole(f.crash, `${path}.crash`, c);
      return { action: "crash-role", role, restartAfterMicros: f.restartAfter ?? null, ...point };
    }
    return { action: "crash", node: f.crash, restartAfterMicros: f.restartAfter ?? null, ...point };
  }
  if (f.isolate !== undefined) {
    const healAfterMicros = f.healAfter ?? null;
    if (!c.isNode(f.isolate))
      return {
        action: "isolate-role",
        role: checkRole(f.isolate, `${path}.isolate`, c),
        id: partitionId,
        healAfterMicros,
      };
    const rest = c.nodeIds.filter((n) => n !== f.isolate);
    if (rest.length === 0) c.fail(`${path}.isolate`, `cannot isolate ${f.isolate}: it is the only node`);
    const spec: PartitionSpec = { kind: "symmetric", groups: [[f.isolate], rest] };
    return { action: "partition", id: partitionId, spec, healAfterMicros };
  }
  if (f.restart !== undefined) {
    c.checkNode(f.restart, `${path}.restart`);
    return { action: "restart", node: f.restart };
  }
  if (f.partition !== undefined) {
    return {
      action: "partition",
      id: partitionId,
      spec: resolvePartition(f.partition, `${path}.partition`, c),
      healAfterMicros: f.healAfter ?? null,
    };
  }
  if (f.heal !== undefined) return { action: "heal", id: f.heal === "all" ? null : f.heal };
  if (f.link !== undefined) {
    c.checkDc(f.link.between[0], `${path}.link.between[0]`);
    c.checkDc(f.link.between[1], `${path}.link.between[1]`);
    return {
      action: "link",
      from: f.link.between[0],
      to: f.link.between[1],
      oneWay: f.link.oneWay ?? false,
      change: linkChange(f.link),
    };
  }
  if (f.clock !== undefined) {
    c.checkNode(f.clock, `${path}.clock`);
    return { action: "clock", node: f.clock, offsetMicros: f.offset ?? null, driftPpm: f.drift ?? null };
  }
  if (f.disk !== undefined) {
    c.checkNode(f.disk, `${path}.disk`);
    return { action: "disk", node: f.disk, fault: f.fault ?? "corrupt", key: f.key ?? null };
  }
  return c.fail(path, "expected one action");
}

function resolvePartition(p: NonNullable<FaultInput["partition"]>, path: string, c: Checkers): PartitionSpec {
  // A node is in one group (or side) only; datacenter names are expanded first, so a DC and one of its nodes overlap.
  const disjoint = (sets: { path: string; nodes: NodeId[] }[]) => {
    const seen = new Map<NodeId, string>();
    for (const set of sets) {
      for (const n of set.nodes) {
        const first = seen.get(n);
        if (first !== undefined)
          c.fail(
            set.path,
            `node "${n}" is in both ${first} and ${set.path.slice(path.length + 1)} (each node may be on ` +
              `one side of a partition only)`,
          );
        seen.set(n, set.path.slice(path.length + 1));
      }
    }
  };
  if (p.groups !== undefined) {
    const groups = p.groups.map((g, i) => c.expand(g, `${path}.groups[${i}]`));
    disjoint(groups.map((nodes, i) => ({ path: `${path}.groups[${i}]`, nodes })));
    return { kind: "symmetric", groups };
  }
  if (p.oneway !== undefined) {
    const from = c.expand(p.oneway.from, `${path}.oneway.from`);
    const to = c.expand(p.oneway.to, `${path}.oneway.to`);
    disjoint([
      { path: `${path}.oneway.from`, nodes: from },
      { path: `${path}.oneway.to`, nodes: to },
    ]);
    return { kind: "oneway", from, to };
  }
  if (p.bridge !== undefined && p.sides !== undefined) {
    c.checkNode(p.bridge, `${path}.bridge`);
    const sides: [NodeId[], NodeId[]] = [
      c.expand(p.sides[0], `${path}.sides[0]`),
      c.expand(p.sides[1], `${path}.sides[1]`),
    ];
    disjoint([
      { path: `${path}.bridge`, nodes: [p.bridge] },
      { path: `${path}.sides[0]`, nodes: sides[0] },
      { path: `${path}.sides[1]`, nodes: sides[1] },
    ]);
    return { kind: "bridge", bridge: p.bridge, sides };
  }
  if (p.isolateDc !== undefined) {
    c.checkDc(p.isolateDc, `${path}.isolateDc`);
    return { kind: "isolate-dc", dc: p.isolateDc };
  }
  return c.fail(path, "expected exactly one of groups, oneway, bridge, isolateDc");
}

function resolveRandom(r: NonNullable<ScenarioInput["faults"]>["random"]): RandomFaults | null {
  if (r === undefined) return null;
  return {
    crashRate: r.crashRate ?? 0,
    restartAfterMinMicros: r.restartAfter?.[0] ?? 1_000_000,
    restartAfterMaxMicros: r.restartAfter?.[1] ?? 5_000_000,
    partitionRate: r.partitionRate ?? 0,
    partitionDurationMinMicros: r.partitionDuration?.[0] ?? 1_000_000,
    partitionDurationMaxMicros: r.partitionDuration?.[1] ?? 5_000_000,
    clockSkewRate: r.clockSkewRate ?? 0,
    clockSkewMaxMicros: r.clockSkewMax ?? 100_000,
    diskFaultRate: r.diskFaultRate ?? 0,
    diskFaultKinds: r.diskFaults ?? ["lose-unsynced", "torn-write", "corrupt"],
    stopAtMicros: r.stopAt ?? null,
    maxDown: r.maxDown ?? 1,
    ...(r.partitionKinds === undefined ? {} : { partitionKinds: [...new Set(r.partitionKinds)] }),
  };
}

function checkProtocol(s: ResolvedScenario, registry: ProtocolRegistry, fail: (p: string, m: string) => never): void {
  const p = registry.get(s.protocol.name);
  if (p === undefined)
    fail("protocol.name", `unknown protocol "${s.protocol.name}" (known: ${registry.names().join(", ")})`);
  const known = Object.keys(p.bugs);
  s.bugs.forEach((b, i) => {
    if (!known.includes(b))
      fail(`bugs[${i}]`, `protocol ${p.name} has no bug variant "${b}" (it has: ${known.join(", ") || "none"})`);
  });
  const invariants = p.invariants.map((x) => x.name);
  s.checks.invariants.forEach((n, i) => {
    if (n !== "*" && !invariants.includes(n))
      fail(
        `checks.invariants[${i}]`,
        `protocol ${p.name} has no invariant "${n}" (it has: ${invariants.join(", ") || "none"})`,
      );
  });
  const progress = [CLIENT_OK, CLIENT_OK_WRITE, ...(p.progress ?? []).map((x) => x.name)];
  const checkCondition = (n: string, path: string) => {
    if (!progress.includes(n))
      fail(path, `unknown progress condition "${n}" for ${p.name} (it has: ${progress.join(", ")})`);
  };
  for (const [i, n] of (s.checks.liveness?.require ?? []).entries()) checkCondition(n, `checks.liveness.require[${i}]`);
  for (const [k, w] of (s.checks.nothingCommits ?? []).entries())
    for (const [i, n] of w.require.entries()) checkCondition(n, `checks.nothingCommits[${k}].require[${i}]`);
  const nodes = s.topology.datacenters.flatMap((d) => d.nodes);
  const r = p.options.resolve(s.protocol.options, { nodes }, p.name);
  if (!r.ok) fail(r.problem.path === "" ? "protocol.options" : `protocol.options.${r.problem.path}`, r.problem.message);
  // The resolved scenario (and so the trace header) records every option, defaults included, in declaration order.
  s.protocol.options = r.options;
}
