/**
 * Shrinking a failing run: delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
 * Input", 2002) over the scenario, keeping the seed and bugs and the same failing check. Each pass tries smaller
 * scenarios and keeps the first that still fails the same way:
 *
 * - scheduled faults removed, in chunks of half, a quarter, ... down to one at a time;
 * - random faults off, then each random rate to 0;
 * - the duration cut (to just past the failure, else by binary search, in whole milliseconds);
 * - fewer clients (binary search), a lower client rate (halved);
 * - fewer nodes (a datacenter's last node, or a whole datacenter);
 * - each fault moved earlier (halfway to the fault before it, repeatedly);
 * - rewrites for fewer faults: a heal of all folded into the healAfter of what it ends (or dropped with it), two
 *   partitions merged into one, a partition isolating one node turned into a crash of that node;
 * - two faults replaced by one stand-in: two crashes within 1s by one crash (either node, either time, either end),
 *   a node's crash and a partition cutting that node off by one crash, or one partition, spanning both;
 * - partitions made smaller (two groups joined, a node left out), which can let them merge or go;
 * - a node that crashes for good taken out of the topology, with its faults;
 * - each fault moved later (halfway to the next fault), when nothing else helps;
 * - last, a fault removed while two nodes swap names in the rest (the node a seed elects anyway takes the part).
 *
 * Passes repeat until none makes progress. Every candidate is written as a scenario file and loaded back
 * (scenarioFile.ts), so a candidate the loader would refuse (a heal before its partition, a fault naming a removed
 * node, a fault past the duration) is skipped, and the result is a file `faultline run` takes. Pure: no Node APIs.
 */
import { stringify } from "yaml";
import { assert } from "../core/assert.ts";
import type { ProtocolRegistry } from "../core/registry.ts";
import type { Seed } from "../core/rng.ts";
import { parseScenario } from "../scenario/load.ts";
import type { ResolvedScenario } from "../scenario/resolved.ts";
import { runScenario } from "../world/simulation.ts";
import { scenarioFileObject } from "./scenarioFile.ts";
import { runVerdict } from "./verdict.ts";

export interface ShrinkOptions {
  registry: ProtocolRegistry;
  seed: Seed;
  bugs: readonly string[];
  /** The check that must keep failing (the first failing check of the original run). */
  check: string;
  /** Most candidate runs (a bound on the time it takes). */
  maxRuns?: number;
}

export interface ScenarioSize {
  faults: number;
  durationMicros: number;
  clients: number;
  nodes: number;
  randomRates: number;
}

export interface ShrinkResult {
  scenario: ResolvedScenario;
  before: ScenarioSize;
  after: ScenarioSize;
  /** Candidate runs made. */
  runs: number;
  /** The message of the failure the shrunk scenario gives. */
  message: string;
}

const MS = 1_000;
const DEFAULT_MAX_RUNS = 2_000;

export function scenarioSize(s: ResolvedScenario): ScenarioSize {
  const r = s.faults.random;
  const rates = r === null ? [] : [r.crashRate, r.partitionRate, r.clockSkewRate, r.diskFaultRate];
  return {
    faults: s.faults.schedule.length,
    durationMicros: s.durationMicros,
    clients: s.workload.clients,
    nodes: s.topology.datacenters.reduce((n, d) => n + d.nodes.length, 0),
    randomRates: rates.filter((x) => x > 0).length,
  };
}

/** The candidate as the loader reads it back from its file, or null when the loader refuses it. */
function reload(s: ResolvedScenario, registry: ProtocolRegistry): ResolvedScenario | null {
  try {
    return parseScenario(stringify(scenarioFileObject(s)), "(shrink candidate)", registry);
  } catch {
    return null;
  }
}

class Shrinker {
  runs = 0;
  message = "";
  constructor(
    public best: ResolvedScenario,
    private readonly o: ShrinkOptions,
  ) {}

  get exhausted(): boolean {
    return this.runs >= (this.o.maxRuns ?? DEFAULT_MAX_RUNS);
  }

  /** Keep `candidate` if it loads and still fails the same check. */
  try(candidate: ResolvedScenario): boolean {
    if (this.exhausted) return false;
    const loaded = reload(candidate, this.o.registry);
    if (loaded === null) return false;
    this.runs++;
    let v: ReturnType<typeof runVerdict>;
    try {
      const r = runScenario(loaded, {
        registry: this.o.registry,
        seed: this.o.seed,
        bugs: [...this.o.bugs],
        sink: "none",
      });
      v = runVerdict(r);
    } catch {
      return false; // a candidate the engine cannot run (an option a smaller topology breaks) is not smaller
    }
    if (v.verdict !== "violated" || v.check !== this.o.check) return false;
    this.best = loaded;
    this.message = v.message;
    return true;
  }

  withSchedule(schedule: ResolvedScenario["faults"]["schedule"]): ResolvedScenario {
    return { ...this.best, faults: { ...this.best.faults, schedule } };
  }

  removeFaults(): boolean {
    let progress = false;
    for (let chunk = Math.ceil(this.best.faults.schedule.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
      for (let start = 0; start < this.best.faults.schedule.length; ) {
        const s = this.best.faults.schedule;
        // A partition goes with the heals of its id (a heal of a partition never started is refused).
        const gone = new Set(s.slice(start, start + chunk).flatMap((f) => (f.action === "partition" ? [f.id] : [])));
        const kept = s.filter(
          (f, i) => (i < start || i >= start + chunk) && !(f.action === "heal" && f.id !== null && gone.has(f.id)),
        );
        if (this.try(this.withSchedule(kept))) progress = true;
        else start += chunk;
      }
      if (chunk === 1) break;
    }
    return progress;
  }

  /**
   * Two faults at a time, when no single one can go (a crash and the partition that made it matter): at most
   * n(n-1)/2 candidates, so only for short schedules.
   */
  removePairs(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++)
      for (let j = i + 1; j < this.best.faults.schedule.length && this.best.faults.schedule.length <= 24; j++) {
        const s = this.best.faults.schedule;
        const ids = new Set([s[i], s[j]].flatMap((f) => (f?.action === "partition" ? [f.id] : [])));
        const kept = s.filter((f, k) => k !== i && k !== j && !(f.action === "heal" && f.id !== null && ids.has(f.id)));
        if (this.try(this.withSchedule(kept))) {
          progress = true;
          j = i; // the schedule changed: start again after i
        }
      }
    return progress;
  }

  /**
   * Fewer scheduled faults for the same events: a heal of one partition folded into the partition's healAfter, a
   * restart into the crash before it as restartAfter (tried one at a time: the heal or restart then happens at the
   * same time, but its event is scheduled earlier, which can reorder it among events at that very time).
   */
  fold(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      const s = this.best.faults.schedule;
      const f = s[i] as (typeof s)[number];
      let j = -1;
      if (f.action === "heal" && f.id !== null)
        j = s.findIndex((p, k) => k < i && p.action === "partition" && p.id === f.id && p.healAfterMicros === null);
      else if (f.action === "restart")
        for (let k = i - 1; k >= 0 && j < 0; k--) {
          const c = s[k] as (typeof s)[number];
          if (c.action === "crash" && c.node === f.node) j = k;
        }
      const target = s[j];
      if (target === undefined) continue;
      if (target.action === "crash" && target.restartAfterMicros !== null) continue;
      const after = f.atMicros - target.atMicros;
      if (after <= 0) continue;
      const merged =
        target.action === "partition"
          ? { ...target, healAfterMicros: after }
          : target.action === "crash"
            ? { ...target, restartAfterMicros: after }
            : target;
      const schedule = s.flatMap((x, k) => (k === i ? [] : k === j ? [merged] : [x]));
      if (this.try(this.withSchedule(schedule))) {
        progress = true;
        i--;
      }
    }
    return progress;
  }

  /** When partition `i` ends: its healAfter, else the first later heal of its id or of all, else null (never). */
  partitionEnd(i: number): number | null {
    const s = this.best.faults.schedule;
    const p = s[i];
    if (p?.action !== "partition") return null;
    if (p.healAfterMicros !== null) return p.atMicros + p.healAfterMicros;
    const h = s.find((f, k) => k > i && f.action === "heal" && (f.id === null || f.id === p.id));
    return h === undefined ? null : h.atMicros;
  }

  /** The schedule without entry `i`'s explicit heals (`heal: ID`), with entry `i` replaced by `f` (or dropped). */
  replacing(i: number, f: Fault | null, drop: readonly number[] = []): Fault[] {
    const s = this.best.faults.schedule;
    const p = s[i];
    const ids = new Set(
      [i, ...drop].flatMap((k) => {
        const x = s[k];
        return x?.action === "partition" ? [x.id] : [];
      }),
    );
    return s.flatMap((x, k) => {
      if (k === i) return f === null ? [] : [f];
      if (drop.includes(k)) return [];
      if (p !== undefined && x.action === "heal" && x.id !== null && ids.has(x.id)) return [];
      return [x];
    });
  }

  /**
   * A heal of all folded into the healAfter of every partition it ends (one fault fewer, the same events), or dropped
   * together with those partitions (a heal and what it ends go together).
   */
  foldHealAll(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      const s = this.best.faults.schedule;
      const h = s[i];
      if (h?.action !== "heal" || h.id !== null) continue;
      const ended = s.flatMap((p, k) =>
        k < i && p.action === "partition" && p.healAfterMicros === null && this.partitionEnd(k) === h.atMicros
          ? [k]
          : [],
      );
      const folded = s.flatMap((x, k): Fault[] => {
        if (k === i) return [];
        if (ended.includes(k) && x.action === "partition" && x.atMicros < h.atMicros)
          return [{ ...x, healAfterMicros: h.atMicros - x.atMicros }];
        return [x];
      });
      if (ended.every((k) => (s[k] as Fault).atMicros < h.atMicros) && this.try(this.withSchedule(folded))) {
        progress = true;
        i--;
        continue;
      }
      if (ended.length > 0 && this.try(this.withSchedule(s.filter((_, k) => k !== i && !ended.includes(k))))) {
        progress = true;
        i--;
      }
    }
    return progress;
  }

  /**
   * A partition that cuts one node off from all the others it names becomes a crash of that node for as long (a node
   * that cannot talk looks crashed to the others), and a crash becomes that isolation: either form may merge or go
   * where the other cannot.
   */
  isolationToCrash(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      const s = this.best.faults.schedule;
      const p = s[i];
      if (p?.action !== "partition" || p.spec.kind !== "symmetric" || p.spec.groups.length !== 2) continue;
      const end = this.partitionEnd(i);
      for (const g of p.spec.groups) {
        const node = g.length === 1 ? g[0] : undefined;
        if (node === undefined) continue;
        const after = end === null ? null : end - p.atMicros;
        if (after !== null && after <= 0) continue;
        const crash: Fault = { action: "crash", atMicros: p.atMicros, node, restartAfterMicros: after };
        if (this.try(this.withSchedule(this.replacing(i, crash)))) {
          progress = true;
          i--;
          break;
        }
      }
    }
    return progress;
  }

  /**
   * Two partitions as one: from the first's start to the later end, cutting what either cut (when they overlap), or
   * with either one's groups (consecutive partitions, where one of the two did the work).
   */
  mergePartitions(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++)
      for (let j = i + 1; j < this.best.faults.schedule.length; j++) {
        const s = this.best.faults.schedule;
        const a = s[i];
        const b = s[j];
        if (a?.action !== "partition" || b?.action !== "partition") continue;
        const ea = this.partitionEnd(i);
        const eb = this.partitionEnd(j);
        const end = ea === null || eb === null ? null : Math.max(ea, eb);
        const healAfterMicros = end === null ? null : end - a.atMicros;
        if (healAfterMicros !== null && healAfterMicros <= 0) continue;
        const specs: PartitionSpec[] = [b.spec, a.spec];
        if (a.spec.kind === "symmetric" && b.spec.kind === "symmetric" && (ea === null || ea > b.atMicros)) {
          const meet = meetGroups(a.spec.groups, b.spec.groups);
          if (meet.length > 1) specs.unshift({ kind: "symmetric", groups: meet });
        }
        for (const spec of specs) {
          const merged: Fault = { ...a, spec, healAfterMicros };
          if (this.try(this.withSchedule(this.replacing(i, merged, [j])))) {
            progress = true;
            j = i;
            break;
          }
        }
      }
    return progress;
  }

  /** When scheduled crash `i` ends: its restartAfter, else the first later restart of its node, else null (never). */
  crashEnd(i: number): number | null {
    const s = this.best.faults.schedule;
    const c = s[i];
    if (c?.action !== "crash") return null;
    if (c.restartAfterMicros !== null) return c.atMicros + c.restartAfterMicros;
    const r = s.find((f, k) => k > i && f.action === "restart" && f.node === c.node);
    return r === undefined ? null : r.atMicros;
  }

  nodeNames(): string[] {
    return this.best.topology.datacenters.flatMap((d) => d.nodes);
  }

  /** The nodes a partition cuts off alone or together on one side (its small side), or null. */
  private isolated(spec: PartitionSpec): readonly string[] | null {
    if (spec.kind === "symmetric") {
      const sorted = [...spec.groups].sort((a, b) => a.length - b.length);
      return sorted[0] ?? null;
    }
    if (spec.kind === "oneway") return spec.from;
    return null;
  }

  /**
   * Two faults as one, trying each of a few single faults that could stand for both (the candidate run judges):
   * two crashes close in time (within 1s) become one crash of either node at either time, ending when either ended
   * (or never); a crash of a node and a partition that cuts that node off become one crash of the node, or one
   * partition, spanning both.
   */
  replacePairs(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++)
      for (let j = 0; j < this.best.faults.schedule.length; j++) {
        if (i === j) continue;
        for (const f of this.standIns(i, j)) {
          const keep = Math.min(i, j);
          const drop = Math.max(i, j);
          const schedule = this.replacing(keep, f, [drop]).sort((a, b) => a.atMicros - b.atMicros);
          if (this.try(this.withSchedule(schedule))) {
            progress = true;
            i = -1;
            j = this.best.faults.schedule.length;
            break;
          }
        }
      }
    return progress;
  }

  /** Single faults that might stand for faults `i` and `j` together (see replacePairs). */
  standIns(i: number, j: number): Fault[] {
    const s = this.best.faults.schedule;
    const a = s[i];
    const b = s[j];
    if (a === undefined || b === undefined) return [];
    const out: Fault[] = [];
    if (a.action === "crash" && b.action === "crash" && i < j && Math.abs(b.atMicros - a.atMicros) <= 1_000_000) {
      const ends = [this.crashEnd(i), this.crashEnd(j), null];
      for (const node of [a.node, b.node])
        for (const at of [a.atMicros, b.atMicros])
          for (const end of ends) {
            if (end !== null && end <= at) continue;
            out.push({ action: "crash", atMicros: at, node, restartAfterMicros: end === null ? null : end - at });
          }
    }
    if (a.action === "crash" && b.action === "partition" && a.point === undefined) {
      const cut = this.isolated(b.spec);
      if (cut?.includes(a.node)) {
        const ea = this.crashEnd(i);
        const eb = this.partitionEnd(j);
        const at = Math.min(a.atMicros, b.atMicros);
        const end = ea === null || eb === null ? null : Math.max(ea, eb);
        if (end === null || end > at) {
          const after = end === null ? null : end - at;
          out.push({ action: "crash", atMicros: at, node: a.node, restartAfterMicros: after });
          out.push({ ...b, atMicros: at, healAfterMicros: after });
          const rest = this.nodeNames().filter((n) => n !== a.node);
          const alone: PartitionSpec = { kind: "symmetric", groups: [[a.node], rest] };
          if (rest.length > 0) out.push({ ...b, spec: alone, atMicros: at, healAfterMicros: after });
        }
      }
    }
    assert(out.length <= 12, () => `${out.length} stand-ins for two faults`);
    return out;
  }

  /**
   * A fault removed while two nodes swap names in the rest of the schedule: a fault that only made a given node
   * lead (a partition staging the first election) can go when the node the seed elects anyway takes that part.
   * For short schedules only (faults x node pairs candidates).
   */
  removeWithSwap(): boolean {
    const nodes = this.nodeNames();
    if (this.best.faults.schedule.length > 8 || nodes.length > 6) return false;
    for (let i = 0; i < this.best.faults.schedule.length; i++)
      for (let x = 0; x < nodes.length; x++)
        for (let y = x + 1; y < nodes.length; y++) {
          const a = nodes[x] as string;
          const b = nodes[y] as string;
          const swap = (n: string) => (n === a ? b : n === b ? a : n);
          const schedule = this.replacing(i, null).map((f) => swapNodes(f, swap));
          if (this.try(this.withSchedule(schedule))) return true;
        }
    return false;
  }

  /**
   * Smaller partitions: a symmetric partition's two groups joined (fewer cuts), a node left out of a group or of a
   * one-way partition's side. The fault count stays, but a smaller partition may then merge or go.
   */
  smallerPartitions(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      let changed = true;
      while (changed && !this.exhausted) {
        changed = false;
        const p = this.best.faults.schedule[i];
        if (p?.action !== "partition") break;
        for (const spec of smallerSpecs(p.spec)) {
          const schedule = this.best.faults.schedule.map((f, k) => (k === i ? { ...p, spec } : f));
          if (this.try(this.withSchedule(schedule))) {
            progress = changed = true;
            break;
          }
        }
      }
    }
    return progress;
  }

  randomOff(): boolean {
    const r = this.best.faults.random;
    if (r === null) return false;
    if (this.try({ ...this.best, faults: { ...this.best.faults, random: null } })) return true;
    let progress = false;
    for (const rate of ["crashRate", "partitionRate", "clockSkewRate", "diskFaultRate"] as const) {
      const now = this.best.faults.random;
      if (now === null || now[rate] === 0) continue;
      if (this.try({ ...this.best, faults: { ...this.best.faults, random: { ...now, [rate]: 0 } } })) progress = true;
    }
    return progress;
  }

  /** The scenario cut to `micros`, without the faults scheduled after it. */
  cutTo(micros: number): ResolvedScenario {
    const schedule = this.best.faults.schedule.filter((f) => f.atMicros <= micros);
    return { ...this.withSchedule(schedule), durationMicros: micros };
  }

  shorten(end: number): boolean {
    const now = this.best.durationMicros;
    const past = Math.ceil((end + 1) / MS) * MS;
    if (past < now && this.try(this.cutTo(past))) return true;
    // Binary search in whole milliseconds over (0, now): the shortest duration found failing.
    let lo = 1;
    let hi = Math.floor(now / MS);
    let progress = false;
    while (lo < hi && !this.exhausted) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.try(this.cutTo(mid * MS))) {
        hi = mid;
        progress = true;
      } else lo = mid + 1;
    }
    return progress;
  }

  fewerClients(): boolean {
    let progress = false;
    let lo = 0;
    let hi = this.best.workload.clients;
    while (lo < hi && !this.exhausted) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.try({ ...this.best, workload: { ...this.best.workload, clients: mid } })) {
        hi = mid;
        progress = true;
      } else lo = mid + 1;
    }
    for (let i = 0; i < 8 && this.best.workload.ratePerClient > 0; i++) {
      const w = this.best.workload;
      if (!this.try({ ...this.best, workload: { ...w, ratePerClient: w.ratePerClient / 2 } })) break;
      progress = true;
    }
    return progress;
  }

  fewerNodes(): boolean {
    let progress = false;
    for (let d = this.best.topology.datacenters.length - 1; d >= 0; d--) {
      const dcs = this.best.topology.datacenters;
      const dc = dcs[d];
      if (dc === undefined) continue;
      if (dcs.length > 1 && this.try(this.withDatacenters(dcs.filter((_, i) => i !== d)))) {
        progress = true;
        continue;
      }
      while (true) {
        const cur = this.best.topology.datacenters[d];
        if (cur === undefined || cur.nodes.length <= 1) break;
        const fewer = this.best.topology.datacenters.map((x, i) =>
          i === d ? { ...x, nodes: x.nodes.slice(0, -1) } : x,
        );
        if (!this.try(this.withDatacenters(fewer))) break;
        progress = true;
      }
    }
    return progress;
  }

  /**
   * A node that crashes for good taken out of the topology altogether (with its faults; partitions leave it out):
   * one fault fewer, and the cluster it leaves behind is the same size. Tried for such nodes only.
   */
  withoutDeadNodes(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      const c = this.best.faults.schedule[i];
      if (c?.action !== "crash" || this.crashEnd(i) !== null) continue;
      const node = c.node;
      const dcs = this.best.topology.datacenters
        .map((d) => ({ ...d, nodes: d.nodes.filter((n) => n !== node) }))
        .filter((d) => d.nodes.length > 0);
      const schedule = this.best.faults.schedule.flatMap((f): Fault[] => {
        if ("node" in f && f.node === node) return [];
        if (f.action !== "partition") return [f];
        const spec = withoutNode(f.spec, node);
        return spec === null ? [] : [{ ...f, spec }];
      });
      const gone = new Set(this.best.faults.schedule.flatMap((f) => (f.action === "partition" ? [f.id] : [])));
      for (const f of schedule) if (f.action === "partition") gone.delete(f.id);
      const kept = schedule.filter((f) => !(f.action === "heal" && f.id !== null && gone.has(f.id)));
      if (this.try({ ...this.withDatacenters(dcs), faults: { ...this.best.faults, schedule: kept } })) {
        progress = true;
        i = -1;
      }
    }
    return progress;
  }

  withDatacenters(datacenters: ResolvedScenario["topology"]["datacenters"]): ResolvedScenario {
    const names = new Set(datacenters.map((d) => d.name));
    const links = this.best.network.links.filter((l) => names.has(l.from) && names.has(l.to));
    const placement = this.best.workload.placement.filter((p) => names.has(p));
    return {
      ...this.best,
      topology: { datacenters },
      network: { ...this.best.network, links },
      workload: { ...this.best.workload, placement },
    };
  }

  earlierFaults(): boolean {
    let progress = false;
    for (let i = 0; i < this.best.faults.schedule.length; i++) {
      for (let step = 0; step < 12; step++) {
        const s = this.best.faults.schedule;
        const f = s[i];
        if (f === undefined) break;
        const prev = i === 0 ? 0 : (s[i - 1] as (typeof s)[number]).atMicros;
        const at = Math.floor((prev + (f.atMicros - prev) / 2) / MS) * MS;
        if (at >= f.atMicros || at < prev) break;
        const moved = s.map((x, j) => (j === i ? { ...x, atMicros: at } : x));
        if (!this.try(this.withSchedule(moved))) break;
        progress = true;
      }
    }
    return progress;
  }

  /** Each fault moved later, halfway to the fault after it (or to the end of the run), repeatedly. */
  laterFaults(): boolean {
    let progress = false;
    for (let i = this.best.faults.schedule.length - 1; i >= 0; i--) {
      for (let step = 0; step < 6; step++) {
        const s = this.best.faults.schedule;
        const f = s[i];
        if (f === undefined) break;
        const next = i === s.length - 1 ? this.best.durationMicros : (s[i + 1] as (typeof s)[number]).atMicros;
        const at = Math.floor((f.atMicros + (next - f.atMicros) / 2) / MS) * MS;
        if (at <= f.atMicros || at > next) break;
        const moved = s.map((x, j) => (j === i ? { ...x, atMicros: at } : x));
        if (!this.try(this.withSchedule(moved))) break;
        progress = true;
      }
    }
    return progress;
  }
}

/** Fault `f` with its node names mapped by `swap`. */
function swapNodes(f: Fault, swap: (n: string) => string): Fault {
  if (f.action === "partition") {
    const p = f.spec;
    const spec: PartitionSpec =
      p.kind === "symmetric"
        ? { kind: "symmetric", groups: p.groups.map((g) => g.map(swap)) }
        : p.kind === "oneway"
          ? { kind: "oneway", from: p.from.map(swap), to: p.to.map(swap) }
          : p.kind === "bridge"
            ? { kind: "bridge", bridge: swap(p.bridge), sides: [p.sides[0].map(swap), p.sides[1].map(swap)] }
            : p;
    return { ...f, spec };
  }
  return "node" in f ? { ...f, node: swap(f.node) } : f;
}

/** `spec` with `node` left out, or null when nothing is left to cut. */
function withoutNode(spec: PartitionSpec, node: string): PartitionSpec | null {
  const drop = (xs: readonly string[]) => xs.filter((n) => n !== node);
  switch (spec.kind) {
    case "symmetric": {
      const groups = spec.groups.map(drop).filter((g) => g.length > 0);
      return groups.length >= 2 ? { kind: "symmetric", groups } : null;
    }
    case "oneway": {
      const from = drop(spec.from);
      const to = drop(spec.to);
      return from.length > 0 && to.length > 0 ? { kind: "oneway", from, to } : null;
    }
    case "bridge": {
      if (spec.bridge === node) return null;
      const sides: [string[], string[]] = [drop(spec.sides[0]), drop(spec.sides[1])];
      return sides[0].length > 0 && sides[1].length > 0 ? { ...spec, sides } : null;
    }
    default:
      return spec;
  }
}

/** Partitions that cut less than `spec`: two groups joined, or one node left out (see Shrinker.smallerPartitions). */
function smallerSpecs(spec: PartitionSpec): PartitionSpec[] {
  const out: PartitionSpec[] = [];
  if (spec.kind === "symmetric") {
    const g = spec.groups;
    for (let a = 0; a < g.length && g.length > 2; a++)
      for (let b = a + 1; b < g.length; b++) {
        const joined = [...(g[a] as string[]), ...(g[b] as string[])];
        out.push({ kind: "symmetric", groups: [joined, ...g.filter((_, k) => k !== a && k !== b)] });
      }
    for (let a = 0; a < g.length; a++)
      for (const n of g[a] as string[]) {
        const groups = g.map((x) => x.filter((m) => m !== n)).filter((x) => x.length > 0);
        if (groups.length >= 2) out.push({ kind: "symmetric", groups });
      }
  }
  if (spec.kind === "oneway") {
    for (const n of spec.from) if (spec.from.length > 1) out.push({ ...spec, from: spec.from.filter((m) => m !== n) });
    for (const n of spec.to) if (spec.to.length > 1) out.push({ ...spec, to: spec.to.filter((m) => m !== n) });
  }
  return out;
}

/**
 * Shrink `scenario` (which must fail `o.check` at `o.seed` with `o.bugs`) to a smaller one that still does. `end` is
 * when the original run stopped (the failure's time when the check stops the run).
 */
type Fault = ResolvedScenario["faults"]["schedule"][number];
type PartitionSpec = Extract<Fault, { action: "partition" }>["spec"];

/**
 * The groups of two symmetric partitions in force together: nodes stay together only where both keep them together
 * (the nodes a partition does not name count as one more group of it: an approximation, which the candidate run
 * judges).
 */
function meetGroups(a: readonly string[][], b: readonly string[][]): string[][] {
  const where = (groups: readonly string[][], n: string) => groups.findIndex((g) => g.includes(n));
  const nodes = [...new Set([...a.flat(), ...b.flat()])];
  const out = new Map<string, string[]>();
  for (const n of nodes) {
    const key = `${where(a, n)}/${where(b, n)}`;
    out.set(key, [...(out.get(key) ?? []), n]);
  }
  return [...out.values()];
}

export function shrinkScenario(scenario: ResolvedScenario, end: number, o: ShrinkOptions): ShrinkResult {
  const s = new Shrinker(scenario, o);
  const before = scenarioSize(scenario);
  for (let round = 0; round < 10 && !s.exhausted; round++) {
    let progress = s.removeFaults();
    progress = s.fold() || progress;
    progress = s.foldHealAll() || progress;
    progress = s.mergePartitions() || progress;
    progress = s.isolationToCrash() || progress;
    progress = s.randomOff() || progress;
    if (!progress) progress = s.removePairs();
    if (!progress) progress = s.smallerPartitions();
    progress = s.replacePairs() || progress;
    progress = s.shorten(Math.min(end, s.best.durationMicros)) || progress;
    progress = s.fewerClients() || progress;
    progress = s.fewerNodes() || progress;
    progress = s.withoutDeadNodes() || progress;
    progress = s.earlierFaults() || progress;
    if (!progress) progress = s.laterFaults();
    if (!progress) progress = s.removeWithSwap();
    if (!progress) break;
  }
  return { scenario: s.best, before, after: scenarioSize(s.best), runs: s.runs, message: s.message };
}
