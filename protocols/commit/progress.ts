import type { ProgressCondition } from "../../sim/core/protocol.ts";

/**
 * Progress conditions shared by 2PC and 3PC:
 * - coordinator-up: the coordinator is up;
 * - unblocked: every participant that is up is past no decision timeout (no transaction it voted yes for is still
 *   undecided after the timeout): the in-doubt transactions were resolved.
 */
export function commitProgress<S>(isCoordinator: (s: S) => boolean, unblocked: (s: S) => boolean): ProgressCondition<S>[] {
  return [
    {
      name: "coordinator-up",
      description: "The coordinator is up.",
      holds: (ctx) => ctx.states.some((s) => s !== undefined && isCoordinator(s)),
    },
    {
      name: "unblocked",
      description: "No participant that is up is blocked on a transaction it voted yes for (past its decision timeout, still undecided).",
      holds: (ctx) => ctx.states.every((s) => s === undefined || isCoordinator(s) || unblocked(s)),
    },
  ];
}
