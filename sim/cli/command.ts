import type { Argv } from "yargs";
import type { ProtocolRegistry } from "../core/registry.ts";

/** What every CLI command gets besides its flags. Output goes through these so tests can capture it. */
export interface CliContext {
  registry: ProtocolRegistry;
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is a terminal (progress bars, colours). */
  isTty: boolean;
  /**
   * URL of a module whose `registry` export is `registry` (bin/faultline.mjs: protocols/index.ts). A sweep's worker
   * threads load the registry from it; without it a sweep runs in this thread.
   */
  registryModule?: string;
}

/** One `faultline <name>` command. `run` returns the exit code: 0 ok, 1 a check failed, 2 bad input. */
export interface CliCommand {
  command: string;
  describe: string;
  builder(yargs: Argv): Argv;
  run(argv: Record<string, unknown>, ctx: CliContext): Promise<number>;
}

/** Bad input (file, flag, trace): printed as one clear message, exit code 2, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}
