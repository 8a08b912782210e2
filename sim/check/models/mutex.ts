import type { Model } from "./model.ts";

/**
 * A lock per key (Knossos' mutex): acquire succeeds only when the lock is free, release only when it is held. An `ok`
 * acquire of a held lock, or release of a free one, cannot be ordered. Results are not checked.
 */
export const mutexModel: Model<boolean> = {
  name: "mutex",
  summary: "one lock per key: acquire (only when free), release (only when held)",
  ops: ["acquire", "release"],
  init: () => false,
  step(locked, op) {
    if (op.f === "acquire") return locked ? undefined : true;
    if (op.f === "release") return locked ? false : undefined;
    return undefined;
  },
  key: (locked) => (locked ? "1" : "0"),
  isReadOnly: () => false,
  writes: () => [],
  reads: () => [],
};
