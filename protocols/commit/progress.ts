import type { ProgressCondition } from "../../sim/core/protocol.ts";
import type { AnyCommitState } from "./state.ts";

/**
 * Progress conditions shared by 2PC and 3PC:
 * - coordinator-up: the coordinator is up;
 * - unblocked: every participant that is up (with an undamaged disk) is blocked on no transaction, as the protocol
 *   counts them (`blockedCount`): the in-doubt transactions were resolved.
 */
export function commitProgress<S extends AnyCommitState>(blockedCount: (s: S) => number): ProgressCondition<S>[] {
  return [
    {
      name: "coordinator-up",
      description: "The coordinator is up.",
      holds: (ctx) => ctx.states.some((s) => s?.isCoordinator),
    },
    {
      name: "unblocked",
      description:
        "No participant that is up is blocked on a transaction it voted yes for (past its decision timeout," +
        " still undecided).",
      holds: (ctx) =>
        ctx.states.every((s) => s === undefined || s.isCoordinator || (!s.damaged && blockedCount(s) === 0)),
    },
  ];
}
