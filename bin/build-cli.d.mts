// Types of bin/build-cli.mjs (plain JavaScript: npm's prepare script runs it with node alone).
export function workerEntries(root?: string): string[];
export function buildCli(outDir?: string, root?: string): Promise<{ outDir: string; entries: number; inputs: number }>;
export function checkLocationFree(path: string, text: string): void;
