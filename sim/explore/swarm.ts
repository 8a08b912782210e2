/**
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): each seed also draws which features are on, so a sweep
 * explores configurations that leave some faults out entirely (a crash-free run with heavy loss, a write-only
 * workload under partitions) instead of every seed mixing everything at the scenario's rates. A feature can only be
 * switched off: the drawn configuration is always within what the scenario allows.
 *
 * The draw comes from the run's seed through its own named stream ("swarm"), one coin per feature in a fixed list,
 * so `faultline run FILE --seed N --swarm` reproduces the configuration a sweep drew. Pure: no Node APIs.
 */
import { rngStream, type Seed } from "../core/rng.ts";
import type { FaultAction, LinkSpec, ResolvedScenario, Workload } from "../scenario/resolved.ts";

/** Scheduled fault kinds, with the actions each covers (a heal goes with its partitions, a restart with crashes). */
const SCHEDULED_KINDS: readonly { name: string; actions: readonly FaultAction["action"][] }[] = [
  { name: "crash", actions: ["crash", "restart"] },
  { name: "partition", actions: ["partition", "heal"] },
  { name: "link", actions: ["link"] },
  { name: "clock", actions: ["clock"] },
  { name: "disk", actions: ["disk"] },
];
const RANDOM_RATES = ["crashRate", "partitionRate", "clockSkewRate", "diskFaultRate"] as const;
const OPS = ["read", "write", "cas", "append"] as const;
const LINK_FEATURES = ["loss", "duplicate", "bandwidth"] as const;

export interface SwarmDraw {
  scenario: ResolvedScenario;
  /** The features this seed switched off, like "scheduled crash", "random partitionRate", "op cas", "loss". */
  off: string[];
}

function linkWithout(spec: LinkSpec, off: ReadonlySet<string>): LinkSpec {
  return {
    ...spec,
    loss: off.has("loss") ? 0 : spec.loss,
    duplicate: off.has("duplicate") ? 0 : spec.duplicate,
    bandwidthBytesPerSecond: off.has("bandwidth") ? null : spec.bandwidthBytesPerSecond,
  };
}

function changeWithout(change: Partial<LinkSpec>, off: ReadonlySet<string>): Partial<LinkSpec> {
  const out = { ...change };
  if (off.has("loss") && out.loss !== undefined) out.loss = 0;
  if (off.has("duplicate") && out.duplicate !== undefined) out.duplicate = 0;
  if (off.has("bandwidth") && out.bandwidthBytesPerSecond !== undefined) out.bandwidthBytesPerSecond = null;
  return out;
}

function mixWithout(mix: Workload["mix"], dropped: readonly (typeof OPS)[number][], keep: number): Workload["mix"] {
  const out = { ...mix };
  const present = OPS.filter((op) => mix[op] > 0);
  const off = dropped.filter((op) => mix[op] > 0);
  // At least one op kind stays on: a workload of nothing tests nothing. Which one comes from the same draw.
  const kept = present.length > 0 && off.length === present.length ? (present[keep % present.length] as string) : null;
  for (const op of off) if (op !== kept) out[op] = 0;
  return out;
}

/** The scenario as seed `seed` draws it under swarm testing. */
export function swarmScenario(scenario: ResolvedScenario, seed: Seed): SwarmDraw {
  const rng = rngStream(seed, "swarm");
  // One coin per feature, always in this order, whether or not the scenario has the feature.
  const coin = () => rng.next() < 0.5;
  const scheduledOff = SCHEDULED_KINDS.filter(coin);
  const ratesOff = RANDOM_RATES.filter(coin);
  const opsOff = OPS.filter(coin);
  const keep = rng.int(OPS.length);
  const linkOff = new Set<string>(LINK_FEATURES.filter(coin));
  const offActions = new Set(scheduledOff.flatMap((k) => k.actions));
  const off: string[] = [];
  // A scheduled link change cannot bring back what the draw switched off.
  const schedule = scenario.faults.schedule
    .filter((f) => !offActions.has(f.action))
    .map((f) => (f.action === "link" ? { ...f, change: changeWithout(f.change, linkOff) } : f));
  for (const k of scheduledOff)
    if (scenario.faults.schedule.some((f) => k.actions.includes(f.action))) off.push(`scheduled ${k.name}`);
  let random = scenario.faults.random;
  if (random !== null) {
    const r = { ...random };
    for (const rate of ratesOff)
      if (r[rate] > 0) {
        r[rate] = 0;
        off.push(`random ${rate}`);
      }
    random = r;
  }
  const mix = mixWithout(scenario.workload.mix, opsOff, keep);
  for (const op of OPS) if (mix[op] === 0 && scenario.workload.mix[op] > 0) off.push(`op ${op}`);
  const n = scenario.network;
  const specs = [n.intraDc, n.interDc, ...n.links.map((l) => l.spec)];
  if (specs.some((s) => s.loss > 0) && linkOff.has("loss")) off.push("loss");
  if (specs.some((s) => s.duplicate > 0) && linkOff.has("duplicate")) off.push("duplicate");
  if (specs.some((s) => s.bandwidthBytesPerSecond !== null) && linkOff.has("bandwidth")) off.push("bandwidth");
  const network = {
    ...n,
    intraDc: linkWithout(n.intraDc, linkOff),
    interDc: linkWithout(n.interDc, linkOff),
    links: n.links.map((l) => ({ ...l, spec: linkWithout(l.spec, linkOff) })),
  };
  const note = `[swarm off: ${off.join(", ") || "none"}]`;
  const description = scenario.description ? `${scenario.description} ${note}` : note;
  return {
    scenario: {
      ...scenario,
      description,
      network,
      workload: { ...scenario.workload, mix },
      faults: { schedule, random },
    },
    off,
  };
}
