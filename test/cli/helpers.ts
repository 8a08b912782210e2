import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { registry } from "../../protocols/index.ts";
import { main } from "../../sim/cli/main.ts";

/** The checkout. */
export const ROOT = resolve(import.meta.dirname, "../..");

let work: string | null = null;
/**
 * The folder the CLI runs in, in tests: a temp folder with `scenarios` linked to the checkout's, so paths like
 * scenarios/demo.yaml work as they do in the checkout while default outputs (traces/NAME-seedN.ndjson.gz) land here.
 * Tests write only to temp folders.
 */
export function workDir(): string {
  if (work === null) {
    work = mkdtempSync(join(tmpdir(), "faultline-work-"));
    symlinkSync(join(ROOT, "scenarios"), join(work, "scenarios"));
  }
  return work;
}

/**
 * The CLI in this process (the same main() the binary runs, without a second of start-up per call), run in
 * workDir(): relative paths in `args` and in what it prints are relative to that folder.
 */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  process.chdir(workDir());
  try {
    const code = await main(args, {
      registry,
      stdout: (t) => out.push(`${t}\n`),
      stderr: (t) => err.push(`${t}\n`),
      isTty: false,
      registryModule: new URL("../../protocols/index.ts", import.meta.url).href,
    });
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.chdir(before);
  }
}

export function tempDir(prefix = "faultline-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Bad input is a one-line message: no stack trace, no internal error. */
export function expectCleanError(r: { code: number; err: string }, pattern: RegExp | string): void {
  expect(r.code).toBe(2);
  if (typeof pattern === "string") expect(r.err).toContain(pattern);
  else expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.err).not.toMatch(/internal error/);
}
