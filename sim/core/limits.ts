/** Named limits (TigerBeetle style): every queue and loop is bounded, and exceeding a bound is a clear error. */
export const LIMITS = {
  /** Default bound on events processed in one run. */
  maxEventsPerRun: 50_000_000,
  /** Default bound on events pending in the queue at once. */
  maxPendingEvents: 4_000_000,
  /** Largest message a protocol may send, in bytes (estimated size). */
  maxMessageBytes: 64 * 1024 * 1024,
  /** Most nodes in one topology. */
  maxNodes: 1_000,
  /** Most clients in one workload. */
  maxClients: 10_000,
} as const;

/** Thrown when a run exceeds one of its limits; the CLI reports it as a failed run, not a crash. */
export class LimitExceededError extends Error {
  override name = "LimitExceededError";
  constructor(
    readonly limit: string,
    readonly value: number,
    message: string,
  ) {
    super(message);
  }
}
