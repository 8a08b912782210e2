/**
 * The `faultline` command line. Every command returns an exit code: 0 all checks hold, 1 a check failed, 2 bad input
 * (a clear one-line message, never a stack trace), 3 an internal error.
 */
import yargs from "yargs";
import { ProtocolRegistry } from "../core/registry.ts";
import { ScenarioError } from "../scenario/load.ts";
import { TraceFormatError } from "../trace/reader.ts";
import { UsageError, type CliCommand, type CliContext } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

export async function main(argv: string[], io: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    registry: io.registry ?? new ProtocolRegistry(),
    stdout: io.stdout ?? ((t) => process.stdout.write(`${t}\n`)),
    stderr: io.stderr ?? ((t) => process.stderr.write(`${t}\n`)),
    isTty: io.isTty ?? Boolean(process.stdout.isTTY),
  };
  let chosen: { command: CliCommand; args: Record<string, unknown> } | null = null;
  let usageProblem: string | null = null;
  let printed = false;
  let parser = yargs(argv)
    .scriptName("faultline")
    .usage("$0 <command> [options]\n\nA deterministic distributed-systems simulator.")
    .strict()
    .recommendCommands()
    .demandCommand(1, "expected a command")
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      usageProblem = msg ?? err?.message ?? "bad arguments";
    });
  for (const command of COMMANDS) {
    parser = parser.command(command.command, command.describe, (y) => command.builder(y), (args) => {
      chosen = { command, args: args as Record<string, unknown> };
    });
  }
  try {
    await parser.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) {
        printed = true;
        (usageProblem ? ctx.stderr : ctx.stdout)(output);
      }
    });
  } catch (e) {
    usageProblem ??= (e as Error).message;
  }
  if (usageProblem !== null) {
    if (!printed) ctx.stderr(`faultline: ${usageProblem}\nRun "faultline --help" for usage.`);
    return 2;
  }
  const picked = chosen as { command: CliCommand; args: Record<string, unknown> } | null;
  if (picked === null) return 0; // --help or --version was printed
  try {
    return await picked.command.run(picked.args, ctx);
  } catch (e) {
    return reportError(e, ctx, argv);
  }
}

function reportError(e: unknown, ctx: CliContext, argv: string[]): number {
  if (e instanceof UsageError || e instanceof ScenarioError || e instanceof TraceFormatError) {
    ctx.stderr(`faultline: ${e.message}`);
    return 2;
  }
  const err = e as Error;
  ctx.stderr(`faultline: internal error: ${err?.message ?? String(e)}`);
  ctx.stderr(`please report it with the command that triggered it: faultline ${argv.join(" ")}`);
  if (process.env.FAULTLINE_DEBUG) ctx.stderr(String(err?.stack ?? ""));
  return 3;
}
