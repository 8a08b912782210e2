import type { Model } from "./model.ts";

function dequeued(result: unknown): string | null | undefined {
  if (result === null || result === undefined) return null;
  if (typeof result === "string" || typeof result === "number" || typeof result === "boolean") return String(result);
  return undefined;
}

/**
 * A FIFO queue per key (Knossos' fifo-queue, Porcupine's queue): enqueue(v) adds v at the tail; dequeue removes the
 * head and returns it, or returns nothing (null) when the queue is empty. An indeterminate dequeue may have removed
 * the head, or not.
 */
export const queueModel: Model<readonly string[]> = {
  name: "queue",
  summary: "one FIFO queue per key: enqueue v, dequeue (returns the head, or null when empty)",
  ops: ["enqueue", "dequeue"],
  init: () => [],
  step(queue, op, result, checked) {
    if (op.f === "enqueue") return [...queue, op.value];
    if (op.f !== "dequeue") return undefined;
    const head = queue.length === 0 ? null : (queue[0] as string);
    if (checked && dequeued(result) !== head) return undefined;
    return queue.length === 0 ? queue : queue.slice(1);
  },
  key: (queue) => queue.join("\u0001"),
  isReadOnly: () => false,
  writes: (op) => (op.f === "enqueue" ? [op.value] : []),
  reads(op, result, ok) {
    const v = ok && op.f === "dequeue" ? dequeued(result) : null;
    return typeof v === "string" ? [v] : [];
  },
};
