import { z } from "zod";
import { defineOptions, micros, nodeId, type OptionsOf } from "../../sim/core/protocolOptions.ts";
import type { NodeId } from "../../sim/core/types.ts";

/** The sharded KV's options. Membership changes are a schedule here: the engine's topology is fixed. */
export const shardingOptions = defineOptions((env) =>
  z
    .object({
      vnodes: z.number().int().min(1).max(1024).default(64).describe("virtual nodes (ring points) per member"),
      replicas: z
        .number()
        .int()
        .min(1)
        .default(1)
        .describe("owners per key: the first is the primary (serves reads and writes), the others hold copies"),
      initial: z
        .array(nodeId(env))
        .nullable()
        .default(null)
        .describe("the ring's first members (null: every node that no `add` event names; the rest are spares)"),
      rebalance: z
        .array(
          z
            .object({
              atMicros: micros(0),
              add: nodeId(env).optional(),
              remove: nodeId(env).optional(),
            })
            .strict(),
        )
        .default([])
        .describe(
          "membership changes, in order: at a local time of the controller, add a spare to or remove a member " +
            "from the ring; each starts once the previous finished moving its keys",
        ),
      controller: nodeId(env)
        .nullable()
        .default(null)
        .describe("the node that starts each membership change and times it (null: the first node)"),
      batchKeys: z.number().int().min(1).default(4).describe("keys per handoff batch (with batchMicros: bandwidth)"),
      batchMicros: micros(1).default(20_000).describe("one handoff batch per stream this often"),
      retryMicros: micros(1).default(100_000).describe("re-send an unacknowledged batch or fetch after this long"),
      keySpace: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(1000)
        .describe("keys k0..k(N-1) over which keys moved by ring vs mod-n placement are computed for each change"),
    })
    .superRefine((o, ctx) => {
      const m = membershipsOf(o, env.nodes);
      if (m.problem !== null) ctx.addIssue({ code: "custom", path: ["rebalance"], message: m.problem });
    }),
);

export type ShardingOptions = OptionsOf<typeof shardingOptions>;

type MembershipInput = Pick<ShardingOptions, "initial" | "rebalance">;

/**
 * The ring's members at each epoch: epoch 0 is `initial`, epoch e follows the e-th event. `problem` names the first
 * event that cannot apply (adding a member, removing a non-member, emptying the ring, an event adding and removing).
 */
export function membershipsOf(
  o: MembershipInput,
  nodes: readonly NodeId[],
): { epochs: NodeId[][]; problem: string | null } {
  const added = new Set(o.rebalance.flatMap((e) => (e.add !== undefined ? [e.add] : [])));
  const first = o.initial ?? nodes.filter((n) => !added.has(n));
  const epochs: NodeId[][] = [[...first]];
  if (first.length === 0) return { epochs, problem: "the ring starts with no member" };
  let cur = first;
  for (const [i, e] of o.rebalance.entries()) {
    if ((e.add === undefined) === (e.remove === undefined))
      return { epochs, problem: `event ${i + 1} must either add or remove one node` };
    if (i > 0 && e.atMicros < (o.rebalance[i - 1]?.atMicros ?? 0))
      return { epochs, problem: `event ${i + 1} is scheduled before event ${i}` };
    if (e.add !== undefined) {
      if (cur.includes(e.add)) return { epochs, problem: `event ${i + 1} adds ${e.add}, already a member` };
      cur = nodes.filter((n) => cur.includes(n) || n === e.add);
    } else {
      if (!cur.includes(e.remove as NodeId))
        return { epochs, problem: `event ${i + 1} removes ${e.remove}, not a member` };
      if (cur.length === 1) return { epochs, problem: `event ${i + 1} would leave the ring empty` };
      cur = cur.filter((n) => n !== e.remove);
    }
    epochs.push(cur);
  }
  return { epochs, problem: null };
}

/** The label of epoch e's change in metrics ("add n5", "remove n2"). */
export function eventLabel(o: MembershipInput, epoch: number): string {
  const e = o.rebalance[epoch - 1];
  if (e === undefined) return `epoch ${epoch}`;
  return e.add !== undefined ? `add ${e.add}` : `remove ${e.remove}`;
}
