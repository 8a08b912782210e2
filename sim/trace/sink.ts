/**
 * The engine's side of tracing: the calls the simulation makes as things happen. Arguments are indices (node index
 * into the header's `nodes`, client index into `clients`) and primitives, so a recorder can store them in typed
 * columns and serialise once at the end. `NULL_SINK` records nothing (untraced runs).
 *
 * Objects passed in (messages, ops, views, data) must not be mutated afterwards; the recorder may keep references.
 */
import type { Micros } from "../core/types.ts";
import type { BlockedDirection, ClientOpOutcome, DiskFaultKind, DropReason, PartitionKind } from "./events.ts";

export interface TraceSink {
  send(t: Micros, from: number, to: number, id: number, type: string, msg: unknown, bytes: number): void;
  deliver(t: Micros, from: number, to: number, id: number, sentAt: Micros): void;
  drop(t: Micros, from: number, to: number, id: number, why: DropReason): void;
  duplicate(t: Micros, from: number, to: number, id: number, copy: number): void;
  timer(t: Micros, node: number, name: string): void;
  crash(t: Micros, node: number): void;
  restart(t: Micros, node: number): void;
  partition(t: Micros, id: string, kind: PartitionKind, blocks: BlockedDirection[]): void;
  heal(t: Micros, id: string): void;
  link(t: Micros, a: string, b: string, change: Record<string, unknown>): void;
  clock(t: Micros, node: number, offset: Micros, drift: number): void;
  disk(t: Micros, node: number, fault: DiskFaultKind, key: string | null): void;
  invoke(t: Micros, client: number, process: number, req: number, node: number, op: unknown): void;
  /** node is -1 when no node answered (timeouts). */
  complete(
    t: Micros,
    outcome: ClientOpOutcome,
    client: number,
    process: number,
    req: number,
    node: number,
    value: unknown,
  ): void;
  state(t: Micros, node: number, view: Record<string, unknown>): void;
  note(t: Micros, node: number, text: string, data: Record<string, unknown> | undefined): void;
  /** node is -1 for checks that are not about one node; `ops`: request ids a linearizability violation is about. */
  violation(t: Micros, check: string, message: string, node: number, ops?: readonly number[]): void;
  /** node is -1 for an observer's value; label null for an unlabelled series. */
  metric(t: Micros, node: number, name: string, label: string | null, value: number): void;
}

const noop = (): void => {};

/** Records nothing. */
export const NULL_SINK: TraceSink = {
  send: noop,
  deliver: noop,
  drop: noop,
  duplicate: noop,
  timer: noop,
  crash: noop,
  restart: noop,
  partition: noop,
  heal: noop,
  link: noop,
  clock: noop,
  disk: noop,
  invoke: noop,
  complete: noop,
  state: noop,
  note: noop,
  violation: noop,
  metric: noop,
};
