/**
 * What a node did to a transaction, in order, for the invariants: each node appends to its own `facts` list in the
 * step that does it (the engine checks after every step). Shared by 2PC and 3PC.
 */
export type FactKind = "vote" | "precommit" | "decide";

export interface TxnFact {
  txn: string;
  kind: FactKind;
  /** vote: "yes" | "no"; precommit: "precommit"; decide: "commit" | "abort". */
  value: string;
  /** decide: the transaction's participants, as the decider knows them (null when unknown). */
  participants: readonly string[] | null;
}

export interface HasFacts {
  facts: TxnFact[];
}

export function fact(
  s: HasFacts,
  txn: string,
  kind: FactKind,
  value: string,
  participants: readonly string[] | null = null,
): void {
  s.facts.push({ txn, kind, value, participants });
}
