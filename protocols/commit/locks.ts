/**
 * A participant's per-key locks: one exclusive lock per key, held by a transaction from its yes vote to its decision
 * (strict two-phase locking), and the transactions waiting for it in arrival order.
 */
export interface LockTable {
  /** key -> the transaction holding its lock. */
  locks: Map<string, string>;
  /** key -> transactions waiting for its lock, in arrival order (at most MAX_WAITERS). */
  waiters: Map<string, string[]>;
}

/** Most transactions queued for one key's lock at a participant. */
export const MAX_WAITERS = 64;

/** Queue `txn` for `key`'s lock; false if the queue is full. */
export function enqueue(l: LockTable, key: string, txn: string): boolean {
  const queue = l.waiters.get(key) ?? [];
  if (queue.length >= MAX_WAITERS) return false;
  queue.push(txn);
  l.waiters.set(key, queue);
  return true;
}

/** Take `txn` out of `key`'s queue (it stopped waiting). */
export function dequeue(l: LockTable, key: string, txn: string): void {
  const queue = l.waiters.get(key);
  if (queue === undefined) return;
  const k = queue.indexOf(txn);
  if (k >= 0) queue.splice(k, 1);
  if (queue.length === 0) l.waiters.delete(key);
}

/**
 * `txn` is done with `key`: free the lock (if `txn` holds it) and offer it to the waiters in arrival order until one
 * takes it (`offer` may lock the key, or not: a waiter may vote no instead).
 */
export function release(l: LockTable, key: string, txn: string, offer: (waiter: string) => void): void {
  if (l.locks.get(key) !== txn) return;
  l.locks.delete(key);
  const queue = l.waiters.get(key);
  while (queue !== undefined && queue.length > 0 && !l.locks.has(key)) offer(queue.shift() as string);
  if (queue !== undefined && queue.length === 0) l.waiters.delete(key);
}
