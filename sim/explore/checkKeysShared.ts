import type { KeyTask } from "../check/linearizability.ts";

/** Slots of the shared Int32Array: the next key index to take, and the first key known to be violated. */
export const NEXT_KEY = 0;
export const STOP_AT = 1;

/** What each worker of the parallel check is given. */
export interface WorkerInput {
  tasks: KeyTask[];
  model: string;
  maxStates: number;
  /** Date.now() at which every search stops with "unknown". */
  deadlineMs: number;
  /** Two Int32 slots (NEXT_KEY, STOP_AT). */
  shared: SharedArrayBuffer;
}
