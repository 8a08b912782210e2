import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import type { CommitOptions } from "./options.ts";
import type { HasFacts, TxnFact } from "./facts.ts";

/** Checks one fact a node appended; null if it is fine. Its memory lives in the closure `create` made it in. */
export type FactCheck<S> = (f: TxnFact, node: string, ctx: InvariantContext<S>) => string | null;

/**
 * An invariant over the facts nodes append: after each step, the facts the node appended since the last call are
 * checked in order (a restarted node has a new state object: its facts are walked from the start). The check keeps
 * its memory across steps and restarts.
 */
export function factInvariant<S extends HasFacts>(
  name: string,
  description: string,
  create: () => FactCheck<S>,
): Invariant<S> {
  return {
    name,
    description,
    create: () => {
      const check = create();
      const seen: (S | undefined)[] = [];
      const upTo: number[] = [];
      return (ctx, i) => {
        const s = ctx.states[i];
        if (s === undefined) return null;
        if (seen[i] !== s) {
          seen[i] = s;
          upTo[i] = 0;
        }
        const node = ctx.nodes[i] as string;
        for (let k = upTo[i] as number; k < s.facts.length; k++) {
          upTo[i] = k + 1;
          const msg = check(s.facts[k] as TxnFact, node, ctx);
          if (msg !== null) return msg;
        }
        return null;
      };
    },
  };
}

/** No transaction is committed at one node and aborted at another. */
export function atomicity<S extends HasFacts>(): Invariant<S> {
  return factInvariant<S>("atomicity", "No transaction is committed at one node and aborted at another.", () => {
    const decided = new Map<string, { decision: string; node: string }>();
    return (f, node) => {
      if (f.kind !== "decide") return null;
      const had = decided.get(f.txn);
      if (had === undefined) decided.set(f.txn, { decision: f.value, node });
      else if (had.decision !== f.value && had.node !== node)
        return `transaction ${f.txn} was decided ${had.decision} at ${had.node} but ${f.value} at ${node}`;
      return null;
    };
  });
}

/** A node never changes its decision about a transaction, across restarts too. */
export function decisionStability<S extends HasFacts>(): Invariant<S> {
  return factInvariant<S>(
    "decision-stability",
    "A node never changes its decision about a transaction (across restarts too).",
    () => {
      const decided = new Map<string, string>();
      return (f, node) => {
        if (f.kind !== "decide") return null;
        const key = `${node}|${f.txn}`;
        const had = decided.get(key);
        if (had === undefined) decided.set(key, f.value);
        else if (had !== f.value) return `${node} decided transaction ${f.txn} ${had}, then ${f.value}`;
        return null;
      };
    },
  );
}

/** Commit only if every participant voted yes. */
export function commitValidity<S extends HasFacts>(): Invariant<S> {
  return factInvariant<S>(
    "commit-validity",
    "A transaction commits only if every one of its participants voted yes.",
    () => {
      const yes = new Map<string, Set<string>>();
      return (f, node) => {
        if (f.kind === "vote" && f.value === "yes") {
          let set = yes.get(f.txn);
          if (set === undefined) yes.set(f.txn, (set = new Set()));
          set.add(node);
          return null;
        }
        if (f.kind !== "decide" || f.value !== "commit" || f.participants === null) return null;
        const voted = yes.get(f.txn);
        const missing = f.participants.filter((p) => voted === undefined || !voted.has(p));
        return missing.length === 0
          ? null
          : `${node} committed transaction ${f.txn} but ${missing.join(", ")} never voted yes`;
      };
    },
  );
}

/** The invariants every atomic commit protocol must keep. */
export function commitInvariants<S extends HasFacts>(): Invariant<S, CommitOptions>[] {
  return [atomicity<S>(), decisionStability<S>(), commitValidity<S>()];
}
