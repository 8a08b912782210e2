/** Faultline's property-testing API (docs/testing.md). */
export * from "./arbitraries/faults.ts";
export * from "./arbitraries/network.ts";
export * from "./arbitraries/options.ts";
export * from "./arbitraries/scenario.ts";
export * from "./arbitraries/topology.ts";
export * from "./arbitraries/workload.ts";
export * from "./expectChecksHold.ts";
export * from "./simulate.ts";
