import type { OptionProblem } from "../../sim/core/optionChecks.ts";
import type { ProtocolOptionDoc } from "../../sim/core/protocol.ts";
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

export const COMMIT_OPTION_DOCS: readonly ProtocolOptionDoc[] = [
  {
    name: "coordinator",
    type: "node id | null",
    default: null,
    description: "the coordinator (default: the first node); every other node is a participant",
    value: { kind: "node", nullable: true },
  },
  {
    name: "replicas",
    type: "integer >= 1",
    default: COMMIT_DEFAULTS.replicas,
    description: "participants holding each key, chosen by hashing the key (capped at the number of participants)",
    value: { kind: "integer", min: 1 },
  },
  {
    name: "abortProbability",
    type: "number in [0, 1]",
    default: COMMIT_DEFAULTS.abortProbability,
    description: "chance that a participant votes no for application reasons",
    value: { kind: "number", min: 0, max: 1 },
  },
  {
    name: "voteTimeoutMicros",
    type: "micros",
    default: COMMIT_DEFAULTS.voteTimeoutMicros,
    description: "the coordinator aborts when the votes are not all in after this long",
    value: { kind: "micros", min: 1 },
  },
  {
    name: "lockWaitMicros",
    type: "micros",
    default: COMMIT_DEFAULTS.lockWaitMicros,
    description: "a participant waits this long for a locked key, then votes no (0: at once)",
    value: { kind: "micros", min: 0 },
  },
  {
    name: "decisionTimeoutMicros",
    type: "micros",
    default: COMMIT_DEFAULTS.decisionTimeoutMicros,
    description: "a prepared participant waits this long for the outcome before asking for it",
    value: { kind: "micros", min: 1 },
  },
  {
    name: "retryMicros",
    type: "micros",
    default: COMMIT_DEFAULTS.retryMicros,
    description: "re-send interval of unacknowledged decisions and outcome requests",
    value: { kind: "micros", min: 1 },
  },
];

/**
 * Cross-field rules for the scenario loader (it checked every name and each value against COMMIT_OPTION_DOCS; `o` has
 * every option, defaults filled in).
 */
export function checkCommitOptions(o: Readonly<Record<string, unknown>>, nodes: readonly NodeId[]): OptionProblem {
  if (nodes.length < 2)
    return {
      path: "coordinator",
      message:
        `an atomic commit protocol needs a coordinator and at least one participant: the topology has ` +
        `${nodes.length} node(s)`,
    };
  const merged = commitOptions(o);
  if (merged.lockWaitMicros >= merged.voteTimeoutMicros) {
    return {
      path: "lockWaitMicros",
      message:
        `expected less than voteTimeoutMicros (${merged.voteTimeoutMicros}): a vote after the coordinator ` +
        `gave up is wasted, got ${merged.lockWaitMicros}`,
    };
  }
  return null;
}

/** Options merged over the defaults (values were checked by the loader). */
export function commitOptions(options: unknown): CommitOptions {
  return { ...COMMIT_DEFAULTS, ...(options as Partial<CommitOptions>) };
}
