import { expectMicros, expectNodeId, type OptionProblem } from "../../sim/core/optionChecks.ts";
import type { NodeId } from "../../sim/core/types.ts";
import type { Micros } from "../../sim/core/types.ts";

/** Options shared by 2PC and 3PC (3PC adds its own). */
export interface CommitOptions {
  /** The coordinator's node id (default: the first node of the topology). Every other node is a participant. */
  coordinator: NodeId | null;
  /** How many participants hold each key (chosen by hashing the key); at most the number of participants. */
  replicas: number;
  /** Probability that a participant votes no for application reasons (drawn from its own stream). */
  abortProbability: number;
  /** The coordinator aborts a transaction whose votes are not all in after this long. */
  voteTimeoutMicros: Micros;
  /** A participant waits this long for a locked key before voting no (0: vote no at once). */
  lockWaitMicros: Micros;
  /** A participant that voted yes waits this long for the outcome before asking for it. */
  decisionTimeoutMicros: Micros;
  /** Re-send interval of unacknowledged decisions and of outcome requests. */
  retryMicros: Micros;
}

export const COMMIT_DEFAULTS: CommitOptions = {
  coordinator: null,
  replicas: 2,
  abortProbability: 0,
  voteTimeoutMicros: 300_000,
  lockWaitMicros: 50_000,
  decisionTimeoutMicros: 600_000,
  retryMicros: 100_000,
};

export const COMMIT_OPTION_DOCS = [
  { name: "coordinator", type: "node id | null", default: null, description: "the coordinator (default: the first node); every other node is a participant" },
  { name: "replicas", type: "integer >= 1", default: COMMIT_DEFAULTS.replicas, description: "participants holding each key, chosen by hashing the key (capped at the number of participants)" },
  { name: "abortProbability", type: "number in [0, 1]", default: COMMIT_DEFAULTS.abortProbability, description: "chance that a participant votes no for application reasons" },
  { name: "voteTimeoutMicros", type: "micros", default: COMMIT_DEFAULTS.voteTimeoutMicros, description: "the coordinator aborts when the votes are not all in after this long" },
  { name: "lockWaitMicros", type: "micros", default: COMMIT_DEFAULTS.lockWaitMicros, description: "a participant waits this long for a locked key, then votes no (0: at once)" },
  { name: "decisionTimeoutMicros", type: "micros", default: COMMIT_DEFAULTS.decisionTimeoutMicros, description: "a prepared participant waits this long for the outcome before asking for it" },
  { name: "retryMicros", type: "micros", default: COMMIT_DEFAULTS.retryMicros, description: "re-send interval of unacknowledged decisions and outcome requests" },
];

function micros(o: Readonly<Record<string, unknown>>, name: string, min: number): OptionProblem {
  return o[name] === undefined ? null : expectMicros(name, o[name], min);
}

/** Value checks for the scenario loader (names were checked already). */
export function checkCommitOptions(o: Readonly<Record<string, unknown>>, nodes: readonly NodeId[], extra: readonly string[] = []): OptionProblem {
  if (nodes.length < 2) return { path: "coordinator", message: `an atomic commit protocol needs a coordinator and at least one participant: the topology has ${nodes.length} node(s)` };
  const c = o.coordinator;
  if (c !== undefined && c !== null) {
    const bad = expectNodeId("coordinator", c, nodes);
    if (bad !== null) return bad;
  }
  const r = o.replicas;
  if (r !== undefined && (typeof r !== "number" || !Number.isInteger(r) || r < 1)) return { path: "replicas", message: `expected a whole number >= 1, got ${JSON.stringify(r)}` };
  const p = o.abortProbability;
  if (p !== undefined && (typeof p !== "number" || !(p >= 0 && p <= 1))) return { path: "abortProbability", message: `expected a number in [0, 1], got ${JSON.stringify(p)}` };
  for (const name of ["voteTimeoutMicros", "decisionTimeoutMicros", "retryMicros", ...extra]) {
    const bad = micros(o, name, 1);
    if (bad !== null) return bad;
  }
  const lock = micros(o, "lockWaitMicros", 0);
  if (lock !== null) return lock;
  const merged = { ...COMMIT_DEFAULTS, ...(o as Partial<CommitOptions>) };
  if (merged.lockWaitMicros >= merged.voteTimeoutMicros) {
    return { path: "lockWaitMicros", message: `expected less than voteTimeoutMicros (${merged.voteTimeoutMicros}): a vote after the coordinator gave up is wasted, got ${merged.lockWaitMicros}` };
  }
  return null;
}

/** Options merged over the defaults (values were checked by the loader). */
export function commitOptions(options: unknown): CommitOptions {
  return { ...COMMIT_DEFAULTS, ...(options as Partial<CommitOptions>) };
}
