import type { Input, KvOp, NodeContext, NodeView } from "../../sim/core/protocol.ts";
import { assertNever, type Micros, type NodeId } from "../../sim/core/types.ts";
import { startTxn } from "./coordinator.ts";
import type { CommitMsg } from "./messages.ts";
import type { AnyCommitState } from "./state.ts";

/**
 * What a node does in its role (coordinator or participant). The node's step (below) is the same for both protocols:
 * it routes each input to the role's handler, then arms the one timer ("tick") for the earliest pending timeout.
 */
export interface Role<S, M> {
  /** At boot and restart, after the state was read from disk. */
  start(s: S, ctx: NodeContext<M>): void;
  message(s: S, from: NodeId, m: M, ctx: NodeContext<M>): void;
  /** The "tick" timer fired: act on every transaction whose timeout is due. */
  tick(s: S, ctx: NodeContext<M>): void;
  /** Other timers, by name. */
  timers?: Readonly<Record<string, (s: S, ctx: NodeContext<M>) => void>>;
}

export interface Roles<S, M> {
  coordinator: Role<S, M>;
  participant: Role<S, M>;
}

/**
 * One step of a coordinator or participant. A client op becomes a transaction at the coordinator; participants
 * redirect clients to it. A node whose disk is damaged only turns clients away.
 */
export function stepCommitNode<S extends AnyCommitState, M>(
  roles: Roles<S, M>,
  s: S,
  input: Input<M, KvOp>,
  ctx: NodeContext<M | CommitMsg>,
): void {
  if (s.damaged) {
    if (input.kind === "client")
      ctx.reply(
        input.requestId,
        s.isCoordinator
          ? { type: "fail", error: "coordinator disk damaged" }
          : { type: "redirect", leader: s.coordinator },
      );
    return;
  }
  const role = s.isCoordinator ? roles.coordinator : roles.participant;
  switch (input.kind) {
    case "start":
      role.start(s, ctx);
      break;
    case "client":
      if (s.isCoordinator) startTxn(s, input.requestId, input.op, ctx);
      else ctx.reply(input.requestId, { type: "redirect", leader: s.coordinator });
      break;
    case "message":
      role.message(s, input.from, input.msg, ctx);
      break;
    case "timer":
      onTimer(role, s, input.name, ctx);
      break;
    default:
      assertNever(input, "input");
  }
  armTick(s, ctx);
}

function onTimer<S extends AnyCommitState, M>(role: Role<S, M>, s: S, name: string, ctx: NodeContext<M>): void {
  if (name === "tick") {
    s.armedMicros = Number.POSITIVE_INFINITY;
    return role.tick(s, ctx);
  }
  const other = role.timers?.[name];
  if (other !== undefined) other(s, ctx);
  else ctx.note(`unknown timer ${name}`);
}

/** Arm the one timer for the earliest pending timeout (a few transactions at most are pending at once). */
function armTick(s: AnyCommitState, ctx: NodeContext<unknown>): void {
  let due = Number.POSITIVE_INFINITY;
  for (const txn of s.active) {
    const t = (s.isCoordinator ? s.ctxns.get(txn) : s.ptxns.get(txn)) as { dueMicros: Micros };
    if (t.dueMicros < due) due = t.dueMicros;
  }
  if (due === s.armedMicros) return;
  s.armedMicros = due;
  if (due === Number.POSITIVE_INFINITY) ctx.cancelTimer("tick");
  else ctx.setTimer("tick", Math.max(0, due - ctx.now()));
}

/**
 * The transactions of `active` whose timeout is due, looked up one at a time as the caller walks them (handling one
 * may move another's deadline, e.g. a lock granted to the next waiter).
 */
export function* dueNow<T extends { dueMicros: Micros }>(
  active: ReadonlySet<string>,
  txns: ReadonlyMap<string, T>,
  now: Micros,
): Generator<T> {
  for (const txn of [...active]) {
    const t = txns.get(txn) as T;
    if (t.dueMicros <= now) yield t;
  }
}

/**
 * The view both protocols show: role, last transaction and its phase, counters; a participant's locks and blocked
 * count.
 */
export function commitView<S extends AnyCommitState>(s: S, blockedCount: (s: S) => number): NodeView {
  const phase =
    s.lastTxn === null
      ? null
      : s.isCoordinator
        ? (s.ctxns.get(s.lastTxn)?.phase ?? null)
        : (s.ptxns.get(s.lastTxn)?.phase ?? null);
  const v: NodeView = {
    role: s.damaged ? "damaged" : s.isCoordinator ? "coordinator" : "participant",
    txn: s.lastTxn,
    phase,
    active: s.active.size,
    committed: s.committed,
    aborted: s.aborted,
  };
  if (!s.isCoordinator) {
    v.locks = s.locks.size;
    v.blocked = blockedCount(s);
  }
  return v;
}
