/**
 * The scheduler's event kinds: every kind of event the engine puts on the queue, in one table. The world schedules
 * them and World.dispatch switches over them; the numbers only need to be distinct (they never reach a trace).
 * Each entry says what the event's `a`, `b` and payload carry. Trace event kinds are another table:
 * TRACE_EVENT_KINDS in sim/trace/events.ts.
 */

/** A message arrives. a = its network slot. */
export const EV_DELIVER = 1;
/** A node's timer fires. a = node, b = the timer id (a crash cancels its node's timers: a firing is current). */
export const EV_TIMER = 2;
/** A scheduled fault. payload = the FaultAction. */
export const EV_FAULT = 3;
/** A client starts its next operation. a = client. */
export const EV_CLIENT_NEXT = 4;
/** A client's operation times out. a = client, b = requestId. */
export const EV_CLIENT_TIMEOUT = 5;
/** A random fault from the `faults` stream. a = its RandomKind. */
export const EV_RANDOM_FAULT = 6;
/** The liveness watch polls its progress conditions. */
export const EV_LIVENESS = 7;
/** A timed restart. a = node, b = its boot count when it crashed (void if it restarted since). */
export const EV_RESTART = 8;
/** A timed heal. payload = partition id, b = its serial (void if it healed or started anew since). */
export const EV_HEAL = 9;
/** The window checks (liveness.during, nothingCommits) poll their conditions. */
export const EV_WINDOWS = 10;
