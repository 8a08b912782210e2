/**
 * The built-in progress conditions every protocol has (beside its own `progress` list), fed by the workload rather
 * than polled: "client-ok", some client operation completed ok; "client-ok-write", a write, cas or append completed
 * ok (a client saw something commit).
 */
export const CLIENT_OK = "client-ok";
export const CLIENT_OK_WRITE = "client-ok-write";

/** Is `name` one of the built-in client conditions? */
export function isClientCondition(name: string): boolean {
  return name === CLIENT_OK || name === CLIENT_OK_WRITE;
}
