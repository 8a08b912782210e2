/**
 * The vitest side of the property-testing API: @fast-check/vitest's `test` and `it` (with `.prop`), and fast-check
 * itself, so a property reads
 *
 *   test.prop([scenarioArb({ protocol: "raft" })])("raft stays safe", (s) => expectChecksHold(simulate(s)));
 *
 * A failing property prints fast-check's seed and path (re-run with `{ seed, path }` in its parameters) and, from
 * expectChecksHold, the Faultline repro line of the smallest failing scenario fast-check shrank to.
 */
export { fc, it, test } from "@fast-check/vitest";
