import { expectMicros, expectNodeId, type OptionProblem } from "../../sim/core/optionChecks.ts";
import type { ProtocolOptionDoc } from "../../sim/core/protocol.ts";
import type { Micros, NodeId } from "../../sim/core/types.ts";

export interface RaftOptions {
  electionMinMicros: Micros;
  electionMaxMicros: Micros;
  heartbeatMicros: Micros;
  /** Client entries wait this long to be sent together (0: send at once). */
  batchMicros: Micros;
  /** Most entries in one AppendEntries. */
  maxBatch: number;
  /**
   * A new leader appends a no-op of its term at once (so it can commit earlier entries without waiting for a client).
   */
  noopOnElection: boolean;
  preVote: boolean;
  checkQuorum: boolean;
  /** Take a snapshot every this many applied entries (0: never). */
  snapshotEvery: number;
  /** Initial voters (default: every node). Others start as learners. */
  voters: NodeId[] | null;
  /** Single-server membership changes the leader proposes, in order, once its clock passes `atMicros`. */
  reconfigure: { atMicros: Micros; add?: NodeId; remove?: NodeId }[];
  /** At first boot this node's election timer fires after electionMinMicros / 4, before any other can. */
  preferredLeader: NodeId | null;
}

export const RAFT_DEFAULTS: RaftOptions = {
  electionMinMicros: 300_000,
  electionMaxMicros: 600_000,
  heartbeatMicros: 60_000,
  batchMicros: 2_000,
  maxBatch: 256,
  noopOnElection: true,
  preVote: true,
  checkQuorum: true,
  snapshotEvery: 0,
  voters: null,
  reconfigure: [],
  preferredLeader: null,
};

export const RAFT_OPTION_DOCS: readonly ProtocolOptionDoc[] = [
  {
    name: "electionMinMicros",
    type: "micros",
    default: RAFT_DEFAULTS.electionMinMicros,
    description: "lower bound of the randomized election timeout (local clock)",
    value: { kind: "micros", min: 1 },
  },
  {
    name: "electionMaxMicros",
    type: "micros",
    default: RAFT_DEFAULTS.electionMaxMicros,
    description: "upper bound of the randomized election timeout (>= electionMinMicros)",
    value: { kind: "micros", min: 1 },
  },
  {
    name: "heartbeatMicros",
    type: "micros",
    default: RAFT_DEFAULTS.heartbeatMicros,
    description: "leader heartbeat / retransmission interval",
    value: { kind: "micros", min: 1 },
  },
  {
    name: "batchMicros",
    type: "micros",
    default: RAFT_DEFAULTS.batchMicros,
    description: "client entries wait this long to be replicated together (0: at once)",
    value: { kind: "micros", min: 0 },
  },
  {
    name: "maxBatch",
    type: "integer",
    default: RAFT_DEFAULTS.maxBatch,
    description: "most entries in one AppendEntries",
    value: { kind: "integer", min: 1 },
  },
  {
    name: "noopOnElection",
    type: "boolean",
    default: RAFT_DEFAULTS.noopOnElection,
    description: "a new leader appends a no-op of its term at once",
    value: { kind: "boolean" },
  },
  {
    name: "preVote",
    type: "boolean",
    default: RAFT_DEFAULTS.preVote,
    description: "PreVote: a node asks whether it could win before bumping its term",
    value: { kind: "boolean" },
  },
  {
    name: "checkQuorum",
    type: "boolean",
    default: RAFT_DEFAULTS.checkQuorum,
    description: "leaders step down without a quorum; followers with a live leader ignore votes",
    value: { kind: "boolean" },
  },
  {
    name: "snapshotEvery",
    type: "integer",
    default: RAFT_DEFAULTS.snapshotEvery,
    description: "snapshot and compact the log every N applied entries (0: never)",
    value: { kind: "integer", min: 0 },
  },
  {
    name: "voters",
    type: "node ids | null",
    default: null,
    description: "initial voting members (default: every node; others are learners)",
    value: { kind: "nodes", nullable: true },
  },
  {
    name: "reconfigure",
    type: "[{atMicros, add?, remove?}]",
    default: [],
    description: "single-server membership changes the leader proposes in order (each step exactly one of add, remove)",
    value: { kind: "custom" },
  },
  {
    name: "preferredLeader",
    type: "node id | null",
    default: null,
    description:
      "at first boot this node's election timer fires after electionMinMicros / 4, before any other node's " +
      "(lab scenarios that need a known first leader)",
    value: { kind: "node", nullable: true },
  },
];

/**
 * Cross-field rules and `reconfigure` (the loader checked every name, and each declared value's kind; `o` has every
 * option, defaults filled in). The election timeout is drawn from [electionMinMicros, electionMaxMicros], so the
 * bounds must be in order. Each reconfigure step is a single-server change:
 * exactly one of `add` and `remove`, naming a node of the topology. A step with both is a two-server change in one
 * config entry, whose old and new majorities need not overlap ({n1,n2,n3} -> {n1,n2,n4}: n1,n2,n3's majority n2,n3
 * and the new one n1,n4 share nobody); one with neither does nothing.
 */
export function checkRaftOptions(o: Readonly<Record<string, unknown>>, nodes: readonly NodeId[]): OptionProblem {
  const { electionMinMicros: min, electionMaxMicros: max } = o as unknown as RaftOptions;
  if (min > max)
    return { path: "electionMinMicros", message: `expected at most electionMaxMicros (${max}), got ${min}` };
  const steps = o.reconfigure;
  if (steps === undefined) return null;
  if (!Array.isArray(steps))
    return {
      path: "reconfigure",
      message: `expected a list of {atMicros, add | remove}, got ${JSON.stringify(steps)}`,
    };
  for (let i = 0; i < steps.length; i++) {
    const step: unknown = steps[i];
    const path = `reconfigure[${i}]`;
    if (typeof step !== "object" || step === null)
      return { path, message: `expected {atMicros, add | remove}, got ${JSON.stringify(step)}` };
    const { atMicros, add, remove, ...rest } = step as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0)
      return { path, message: `unknown field "${extra[0]}" (a step has atMicros and one of add, remove)` };
    const badTime = expectMicros(`${path}.atMicros`, atMicros, 0);
    if (badTime !== null) return badTime;
    if (add !== undefined && remove !== undefined) {
      return {
        path,
        message:
          `expected one of add and remove, got both (add ${JSON.stringify(add)}, remove ` +
          `${JSON.stringify(remove)}): membership changes are single-server; a two-server change in one step ` +
          `lets the old and new majorities miss each other, so split it into two steps`,
      };
    }
    if (add === undefined && remove === undefined)
      return { path, message: "expected one of add and remove, got neither" };
    const which = add !== undefined ? "add" : "remove";
    const badNode = expectNodeId(`${path}.${which}`, add ?? remove, nodes);
    if (badNode !== null) return badNode;
  }
  return null;
}
