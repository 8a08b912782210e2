import { assertNever } from "../../core/types.ts";
import { listAppendModel } from "./listAppend.ts";
import type { Model, ModelName } from "./model.ts";
import { mutexModel } from "./mutex.ts";
import { queueModel } from "./queue.ts";
import { registerModel } from "./register.ts";
import { setModel } from "./set.ts";

/** The model called `name` (the `--model` flag). */
export function modelByName(name: ModelName): Model<unknown> {
  switch (name) {
    case "register":
      return registerModel as Model<unknown>;
    case "mutex":
      return mutexModel as Model<unknown>;
    case "set":
      return setModel as Model<unknown>;
    case "queue":
      return queueModel as Model<unknown>;
    case "list-append":
      return listAppendModel as Model<unknown>;
    default:
      return assertNever(name, "model name");
  }
}
