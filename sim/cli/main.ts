/**
 * The `faultline` command line. Every command returns an exit code: 0 all checks hold, 1 a check failed, 2 bad input
 * (a clear one-line message, never a stack trace), 3 an internal error, 4 no check failed but one was inconclusive.
 */
import yargs from "yargs";
import packageJson from "../../package.json" with { type: "json" };
import { ProtocolRegistry } from "../core/registry.ts";
import { RunBugError } from "../explore/runBugError.ts";
import { ScenarioError } from "../scenario/load.ts";
import { TraceFormatError } from "../trace/reader.ts";
import { UsageError, type CliCommand, type CliContext } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { terminalText } from "./terminalText.ts";

export async function main(rawArgv: string[], io: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    registry: io.registry ?? new ProtocolRegistry(),
    stdout: printer(io.stdout ?? ((t) => process.stdout.write(`${t}\n`))),
    stderr: printer(io.stderr ?? ((t) => process.stderr.write(`${t}\n`))),
    isTty: io.isTty ?? Boolean(process.stdout.isTTY),
    ...(io.registryModule !== undefined ? { registryModule: io.registryModule } : {}),
  };
  let argv: string[];
  try {
    argv = preprocessArgs(rawArgv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    ctx.stderr(`faultline: ${e.message}\nRun "faultline --help" for usage.`);
    return 2;
  }
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
    .epilogue(EXIT_CODES)
    .version(packageJson.version)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      usageProblem = msg ?? err?.message ?? "bad arguments";
    });
  for (const command of COMMANDS) {
    parser = parser.command(
      command.command,
      command.describe,
      (y) => command.builder(y),
      (args) => {
        chosen = { command, args: args as Record<string, unknown> };
      },
    );
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
    if (!printed)
      ctx.stderr(`faultline: ${withFlagSuggestions(usageProblem, argv)}\nRun "faultline --help" for usage.`);
    return 2;
  }
  const picked = chosen as { command: CliCommand; args: Record<string, unknown> } | null;
  if (picked === null) return 0; // --help or --version was printed
  // Given as a flag on the command line (not a positional of that name, nor yargs' camelCase copy of a flag).
  const given = (flag: string) => argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  // A flag that takes one value, given twice (`--trace a --trace b`, `--seed 1 --seed 2`), reaches the command as an
  // array, which it would read as the one string "a,b" (a trace written to a folder named "a,"). Say which was given.
  const repeatable = new Set(
    (picked.command.builder(yargs([])) as unknown as { getOptions(): { array: string[] } }).getOptions().array,
  );
  for (const [name, value] of Object.entries(picked.args)) {
    if (Array.isArray(value) && !repeatable.has(name) && given(name)) {
      ctx.stderr(
        `faultline: --${name}: expected one value, got ${value.length}: ` +
          `${value.map((v) => JSON.stringify(String(v))).join(", ")}\nRun "faultline --help" for usage.`,
      );
      return 2;
    }
  }
  // A negated path flag (`--no-trace`) is not "no file": yargs hands it on as false, which became a file named "false".
  for (const flag of PATH_FLAGS) {
    if (argv.includes(`--no-${flag}`)) {
      const hint = flag === "trace" ? " (to write no trace: --no-trace-file)" : "";
      ctx.stderr(`faultline: --no-${flag}: expected --${flag} FILE${hint}\nRun "faultline --help" for usage.`);
      return 2;
    }
  }
  // A path flag given an empty value (`--trace ""`, a shell variable that was not set) names no file.
  for (const flag of PATH_FLAGS) {
    if (picked.args[flag] === "" && given(flag)) {
      ctx.stderr(`faultline: --${flag}: expected a file path, got an empty string\nRun "faultline --help" for usage.`);
      return 2;
    }
  }
  try {
    return await picked.command.run(picked.args, ctx);
  } catch (e) {
    return reportError(e, ctx, argv);
  }
}

/** Everything printed goes through terminalText: no user text (names, paths, file contents) acts on the terminal. */
function printer(write: (text: string) => void): (text: string) => void {
  return (text) => write(terminalText(text));
}

const EXIT_CODES =
  "Exit codes: 0 every check held; 1 a check failed; 4 no check failed but one was inconclusive (linearizability's " +
  "search budget reached, liveness not checked or undecided); 2 bad input; 3 an internal error; 130/143 a sweep " +
  "stopped by Ctrl-C/SIGTERM with no failure found.";

/** Flags whose value is a file to write. */
const PATH_FLAGS = ["trace", "out"];

/** Every command's name (the first word of its yargs spec). */
const COMMAND_NAMES = COMMANDS.map((c) => c.command.split(" ")[0] as string);

let booleanFlags: Set<string> | null = null;
/** The names of every boolean flag of every command (the ones that take no value). */
function booleans(): Set<string> {
  if (booleanFlags === null) {
    booleanFlags = new Set(["help", "version"]);
    for (const c of COMMANDS)
      for (const b of (c.builder(yargs([])) as unknown as { getOptions(): { boolean: string[] } }).getOptions().boolean)
        booleanFlags.add(b);
  }
  return booleanFlags;
}

/**
 * Argument checks yargs does not make, done before it parses:
 * - an unknown command is named, with the closest known one (yargs reports it as "Unknown arguments: rn, x");
 * - a value that starts with "-" and a digit (`--duration -1s`) is kept as the option's value (yargs reads -1s as
 *   short flags), so the option's own check reports it;
 * - a boolean flag given a value other than true/false (`--json=maybe`) is rejected (yargs reads it as false).
 */
export function preprocessArgs(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first !== undefined && !first.startsWith("-") && !COMMAND_NAMES.includes(first)) {
    const near = closest(first, COMMAND_NAMES);
    throw new UsageError(
      `unknown command "${first}"${near !== null ? ` (did you mean "${near}"?)` : ""}; commands: ` +
        `${COMMAND_NAMES.join(", ")}`,
    );
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const withValue = /^--([A-Za-z][\w-]*)=(.*)$/s.exec(a);
    if (withValue !== null) {
      const [, name, value] = withValue as unknown as [string, string, string];
      if (booleans().has(name) && !["true", "false"].includes(value))
        throw new UsageError(`--${name}: a flag that takes no value (or true/false), got ${JSON.stringify(value)}`);
      out.push(a);
      continue;
    }
    const flag = /^--([A-Za-z][\w-]*)$/.exec(a);
    const next = argv[i + 1];
    if (
      flag !== null &&
      next !== undefined &&
      /^-\.?\d/.test(next) &&
      !booleans().has(flag[1] as string) &&
      !(flag[1] as string).startsWith("no-")
    ) {
      out.push(`${a}=${next}`);
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The flags of a command (its options, without its positionals), or the global ones. */
function flagsOf(commandName: string | undefined): string[] {
  const command = COMMANDS.find((c) => c.command.split(" ")[0] === commandName);
  if (command === undefined) return ["help", "version"];
  const positionals = new Set([...command.command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]));
  const options = (
    command.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } }
  ).getOptions().key;
  return Object.keys(options).filter((k) => !positionals.has(k));
}

/**
 * yargs' "Unknown argument: sede" (or "Unknown arguments: a, b"), with the command's nearest flag after each mistyped
 * flag: "Unknown argument: sede (did you mean --seed?)". An extra positional gets no suggestion.
 */
export function withFlagSuggestions(problem: string, argv: readonly string[]): string {
  const m = /^(Unknown arguments?): (.+)$/s.exec(problem);
  if (m === null) return problem;
  const flags = flagsOf(argv[0]);
  const named = (m[2] as string).split(", ").map((name) => {
    const asFlag = argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`);
    const near = asFlag ? closest(name, flags) : null;
    return near !== null ? `${name} (did you mean --${near}?)` : name;
  });
  return `${m[1]}: ${named.join(", ")}`;
}

/** The candidate nearest `word` by edit (Levenshtein) distance, if it is near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance || (c.startsWith(word) && d === bestDistance)) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && (bestDistance <= Math.max(2, Math.floor(best.length / 3)) || best.startsWith(word))
    ? best
    : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(
        Math.min(
          (prev[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        ),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

function reportError(e: unknown, ctx: CliContext, argv: string[]): number {
  if (e instanceof UsageError || e instanceof ScenarioError || e instanceof TraceFormatError) {
    ctx.stderr(`faultline: ${e.message}`);
    return 2;
  }
  if (e instanceof RunBugError) {
    ctx.stderr(`faultline: internal error: ${e.isAssertion ? "assertion failed: " : ""}${e.message}`);
    ctx.stderr("this is a bug in Faultline or in the protocol (not in the scenario); repeat it with:");
    ctx.stderr(`repro: ${e.repro}`);
    if (process.env.FAULTLINE_DEBUG) ctx.stderr(String(e.inner.stack ?? ""));
    return 3;
  }
  const err = e as Error;
  ctx.stderr(`faultline: internal error: ${err?.message ?? String(e)}`);
  ctx.stderr(`please report it with the command that triggered it: faultline ${argv.join(" ")}`);
  if (process.env.FAULTLINE_DEBUG) ctx.stderr(String(err?.stack ?? ""));
  return 3;
}
