import type { KvOp } from "../../sim/core/protocol.ts";
import { assertNever } from "../../sim/core/types.ts";

/**
 * The key-value state machine the protocols replicate (Raft, the register, 2PC and 3PC). It is written apart from the
 * linearizability checker's model (sim/check/models.ts) on purpose: were the two one module, a bug in it would make
 * the protocols and the checker wrong the same way, and the check could not see it.
 *
 * A key holds a string, or null when it was never written. read returns it; write sets it and returns null;
 * cas(expected, value) sets it only when it equals `expected` (null matches an absent key) and returns whether it did;
 * append(value) sets it to `value` when absent, else to `<old>,<value>`, and returns null.
 */
export type KvValue = string | null;

/** The value a key holds after `op` (for a replica that only needs the new state). */
export function kvNext(current: KvValue, op: KvOp): KvValue {
  switch (op.f) {
    case "read":
      return current;
    case "write":
      return op.value;
    case "cas":
      return current !== op.expected ? current : op.value;
    case "append":
      return current !== null ? `${current},${op.value}` : op.value;
    default:
      return assertNever(op, "kv op");
  }
}

/** What `op` answers the client when the key held `current`. */
export function kvResult(current: KvValue, op: KvOp): unknown {
  switch (op.f) {
    case "read":
      return current;
    case "cas":
      return op.expected === current;
    case "write":
    case "append":
      return null;
    default:
      return assertNever(op, "kv op");
  }
}

/** Both at once: the key's new value and the op's result. */
export function kvApply(current: KvValue, op: KvOp): { value: KvValue; result: unknown } {
  return { value: kvNext(current, op), result: kvResult(current, op) };
}

/** Per-client session: the latest request applied and its result (de-duplicates retries). */
export interface Session {
  requestId: number;
  result: unknown;
}

/**
 * Apply a client's command to a replicated store exactly once: a request the client's session has already applied
 * is not applied again (its result is answered from the session; an older one gets undefined), any other is applied
 * to `kv` and recorded as the session's latest. The session is the replica's own object (snapshots copy sessions in
 * and out), so it is updated in place. Returns the result to answer the client with.
 */
export function applySessionCommand(
  kv: Map<string, string>,
  sessions: Map<string, Session>,
  requestId: number,
  clientId: string,
  op: KvOp,
): unknown {
  const session = sessions.get(clientId);
  if (session !== undefined && session.requestId >= requestId)
    return session.requestId === requestId ? session.result : undefined;
  const current = kv.get(op.key) ?? null;
  const value = kvNext(current, op);
  if (value !== current) {
    if (value === null) kv.delete(op.key);
    else kv.set(op.key, value);
  }
  const result = kvResult(current, op);
  if (session === undefined) sessions.set(clientId, { requestId, result });
  else {
    session.requestId = requestId;
    session.result = result;
  }
  return result;
}
