import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../../protocols/index.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { NULL_SINK, type TraceSink } from "../../../sim/trace/sink.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

const root = resolve(import.meta.dirname, "../../..");

/**
 * A lab scenario that sets up a known leader, and what its description promises at the time of its fault: `leader`
 * leads then, and the fault cuts off (or crashes) the nodes in `cut`, which is the leader or excludes it.
 */
interface Setup {
  file: string;
  atMicros: number;
  leader: string;
  cut: string[];
  cutsLeader: boolean;
}

const SETUPS: Setup[] = [
  { file: "raft-reelection.yaml", atMicros: 3_000_000, leader: "n1", cut: ["n1"], cutsLeader: true },
  { file: "raft-rejoin.yaml", atMicros: 3_000_000, leader: "n1", cut: ["n1"], cutsLeader: true },
  { file: "raft-fail-agree.yaml", atMicros: 3_000_000, leader: "n1", cut: ["n3"], cutsLeader: false },
  { file: "raft-backup.yaml", atMicros: 3_000_000, leader: "n1", cut: ["n1", "n2"], cutsLeader: true },
  { file: "raft-clock-skew.yaml", atMicros: 3_000_000, leader: "n1", cut: ["n1"], cutsLeader: true },
  { file: "raft-dc-partition.yaml", atMicros: 4_000_000, leader: "n1", cut: ["n1", "n2"], cutsLeader: true },
  { file: "raft-oneway-leader.yaml", atMicros: 4_000_000, leader: "n1", cut: ["n1"], cutsLeader: true },
  { file: "raft-figure8.yaml", atMicros: 2_000_000, leader: "n1", cut: ["n3", "n4", "n5"], cutsLeader: false },
];

/** Who leads at `atMicros`: the live node whose latest view says leader with the highest term. */
function leaderAt(file: string, seed: number, atMicros: number): string | null {
  const scenario = parseScenario(readFileSync(resolve(root, "scenarios", file), "utf8"), file, registry);
  const nodes = scenario.topology.datacenters.flatMap((d) => d.nodes);
  const views: ({ role: string; term: number } | null)[] = nodes.map(() => null);
  const up = nodes.map(() => true);
  const sink: TraceSink = {
    ...NULL_SINK,
    state: (t, node, view) => {
      if (t < atMicros) views[node] = view as { role: string; term: number };
    },
    crash: (t, node) => {
      if (t < atMicros) up[node] = false;
    },
    restart: (t, node) => {
      if (t < atMicros) up[node] = true;
    },
  };
  runScenario(scenario, { registry, seed, sink, durationMicros: atMicros });
  let best: string | null = null;
  let bestTerm = -1;
  views.forEach((v, i) => {
    if (v !== null && up[i] && v.role === "leader" && v.term > bestTerm) {
      best = nodes[i] as string;
      bestTerm = v.term;
    }
  });
  return best;
}

const SEEDS = Array.from({ length: 50 }, (_, k) => k + 1);

describe("raft lab scenarios set up the leader their descriptions name", () => {
  for (const s of SETUPS) {
    const what = s.cutsLeader ? ", so the fault there hits the leader" : ", not a node the fault cuts off";
    it(`${s.file}: ${s.leader} leads at ${s.atMicros / 1e6}s on each of 50 seeds${what}`, () => {
      const misses: string[] = [];
      for (const seed of SEEDS) {
        const got = leaderAt(s.file, seed, s.atMicros);
        if (got !== s.leader) misses.push(`seed ${seed}: ${got ?? "no leader"}`);
      }
      expect(misses, `faultline run scenarios/${s.file} --seed N`).toEqual([]);
      expect(s.cut.includes(s.leader)).toBe(s.cutsLeader);
    }, 120_000);
  }
});
