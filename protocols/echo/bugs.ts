/** Echo has no bug variants: it is the benchmark workload. */
export const echoBugs: Record<string, string> = {};
