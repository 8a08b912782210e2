/** Thrown when an engine invariant fails: a bug in Faultline (or a protocol), never bad user input. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Assert that `cond` holds; the message says what was expected and what was seen. */
export function assert(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new AssertionError(typeof message === "function" ? message() : message);
}
