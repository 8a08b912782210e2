export { listAppendModel } from "./listAppend.ts";
export { type Model, MODEL_NAMES, type ModelName } from "./model.ts";
export { modelByName } from "./registry.ts";
export { mutexModel } from "./mutex.ts";
export { CHECK_OP_NAMES, type CheckOp, type CheckOpName, resultList } from "./op.ts";
export { queueModel } from "./queue.ts";
export { registerModel } from "./register.ts";
export { setModel } from "./set.ts";
