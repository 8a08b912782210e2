import type { AnyProtocol, InvariantContext } from "../core/protocol.ts";

export interface ActiveInvariant {
  /** "<protocol>.<invariant>" */
  check: string;
  run: (ctx: InvariantContext<unknown>, stepped: number) => string | null;
}

/**
 * The invariants a run checks: the protocol's, filtered by the scenario's `checks.invariants` ("*" for all). Each is
 * created once per run so it can keep memory across steps. Unknown names are an error (the loader reports them with
 * the file and field first; this is the engine's own guard).
 */
export function activeInvariants(protocol: AnyProtocol, names: readonly string[]): ActiveInvariant[] {
  const all = names.includes("*");
  const known = new Set(protocol.invariants.map((i) => i.name));
  for (const n of names) {
    if (n !== "*" && !known.has(n)) {
      throw new Error(`protocol ${protocol.name} has no invariant "${n}" (it has: ${[...known].join(", ") || "none"})`);
    }
  }
  return protocol.invariants
    .filter((i) => all || names.includes(i.name))
    .map((i) => ({ check: `${protocol.name}.${i.name}`, run: i.create() as ActiveInvariant["run"] }));
}
