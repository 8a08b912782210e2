import type { CheckOp, CheckOpName } from "./op.ts";

/**
 * A sequential specification the linearizability checker searches against, one instance per key (every model here is
 * a map of independent objects, so a history is linearizable iff each key's sub-history is). Models are the checker's
 * own code: they never call a protocol's state machine.
 */
export interface Model<S> {
  readonly name: ModelName;
  /** One line for --help and the docs. */
  readonly summary: string;
  /** The ops this model knows; any other op in a history is bad input. */
  readonly ops: readonly CheckOpName[];
  /** The state of a key no op has touched. */
  init(): S;
  /**
   * The state after `op` is applied to `state`; undefined when `op` cannot take effect there or, when `checked`, when
   * its `result` is not what the model returns. Never mutates `state`.
   */
  step(state: S, op: CheckOp, result: unknown, checked: boolean): S | undefined;
  /** An exact string for the state (the search memoises on it). */
  key(state: S): string;
  /** True for ops that change nothing (reads): an indeterminate one constrains nothing and is dropped. */
  isReadOnly(op: CheckOp): boolean;
  /**
   * The values an op may put in (for the counterexample's closure: a read's value must come from a kept op), given
   * its result when it completed `ok` (`ok` false: indeterminate, it may have done anything it can do).
   */
  writes(op: CheckOp, result: unknown, ok: boolean): readonly string[];
  /**
   * The values an op's result or precondition shows (`ok` false: indeterminate, its result unknown), which some
   * other op must have put in.
   */
  reads(op: CheckOp, result: unknown, ok: boolean): readonly string[];
}

export type ModelName = "register" | "mutex" | "set" | "queue" | "list-append";

export const MODEL_NAMES: readonly ModelName[] = ["register", "mutex", "set", "queue", "list-append"];
