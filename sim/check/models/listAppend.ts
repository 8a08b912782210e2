import type { Model } from "./model.ts";
import { resultList } from "./op.ts";

/**
 * A list per key (Jepsen's list-append, as Elle checks it, one key per op): append(v) adds v at the end; read returns
 * the whole list, in order. A read result may be a list (`[1 2]`) or a comma-joined string ("1,2"); nothing or an
 * empty list is the empty list.
 */
export const listAppendModel: Model<readonly string[]> = {
  name: "list-append",
  summary: "one list per key: append v, read (returns the whole list, in order)",
  ops: ["append", "read"],
  init: () => [],
  step(list, op, result, checked) {
    if (op.f === "append") return [...list, op.value];
    if (op.f !== "read") return undefined;
    if (!checked) return list;
    const got = resultList(result);
    if (got === null || got.length !== list.length) return undefined;
    for (let i = 0; i < got.length; i++) if (got[i] !== list[i]) return undefined;
    return list;
  },
  key: (list) => list.join("\u0001"),
  isReadOnly: (op) => op.f === "read",
  writes: (op) => (op.f === "append" ? [op.value] : []),
  reads: (op, result, ok) => (ok && op.f === "read" ? (resultList(result) ?? []) : []),
};
