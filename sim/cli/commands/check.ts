import type { Argv } from "yargs";
import { checkLinearizabilityParallel, defaultWorkers } from "../../explore/checkKeys.ts";
import type { HistoryOp, LinearizabilityResult } from "../../check/history.ts";
import { HistoryFormatError, parseJepsenEdn, parsePorcupineJson, TraceHistory } from "../../check/historyFormats.ts";
import { parseJepsenLog } from "../../check/historyJepsenLog.ts";
import { checkLinearizability, DEFAULT_MAX_STATES, keyTasks } from "../../check/linearizability.ts";
import { MODEL_NAMES, type Model, type ModelName } from "../../check/models/model.ts";
import type { CheckOp } from "../../check/models/op.ts";
import { modelByName } from "../../check/models/registry.ts";
import { EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED } from "../../explore/verdict.ts";
import { TraceFormatError } from "../../trace/reader.ts";
import { type CliCommand, UsageError } from "../command.ts";
import { streamTraceEvents } from "../traceFile.ts";
import { readUserFile } from "../userFile.ts";

type Format = "edn" | "json" | "trace" | "jepsen-log";
const FORMATS: readonly Format[] = ["edn", "json", "trace", "jepsen-log"];

/** How long the check runs in this thread before it spreads the keys still undecided over worker threads. */
const IN_THREAD_MS = 1000;

function guessFormat(path: string): Format {
  if (path.endsWith(".edn")) return "edn";
  if (/\.ndjson(\.gz)?$|\.gz$/.test(path)) return "trace";
  if (path.endsWith(".json")) return "json";
  if (path.endsWith(".log")) return "jepsen-log";
  throw new UsageError(`cannot tell the format of ${path} from its name: pass --format ${FORMATS.join("|")}`);
}

async function loadHistory(path: string, format: Format): Promise<HistoryOp<CheckOp>[]> {
  if (format === "trace") {
    // Streamed: only the client events are kept, so a trace of any length can be checked.
    const history = new TraceHistory();
    await streamTraceEvents(path, history);
    const ops = history.ops();
    if (ops.length === 0) throw new UsageError(`${path}: the trace has no client operations to check`);
    return ops;
  }
  const text = readUserFile(path).toString("utf8");
  if (format === "edn") return parseJepsenEdn(text, path);
  if (format === "jepsen-log") return parseJepsenLog(text, path);
  return parsePorcupineJson(text, path);
}

/** A positive whole number flag, read as text (yargs turned "abc" into NaN before the message could quote it). */
function positiveInt(argv: Record<string, unknown>, flag: string, fallback: number): number {
  const given = String(argv[flag] ?? fallback);
  const n = given.trim() === "" ? Number.NaN : Number(given); // "1e6" is a whole number too
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag}: expected a positive integer, got "${given}"`);
  return n;
}

function positiveSeconds(argv: Record<string, unknown>, flag: string, fallback: number): number {
  const given = String(argv[flag] ?? fallback);
  const n = given.trim() === "" ? Number.NaN : Number(given);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${flag}: expected a positive number of seconds, got "${given}"`);
  return n;
}

/** Every op must be one the model knows: a mutex history has no writes. */
function checkOpsFitModel(history: readonly HistoryOp<CheckOp>[], model: Model<unknown>, path: string): void {
  const bad = history.find((h) => !model.ops.includes(h.op.f));
  if (bad !== undefined)
    throw new UsageError(
      `${path}: op ${bad.requestId} (${bad.client} ${bad.op.f}) is not an op of the ${model.name} model ` +
        `(expected ${model.ops.join(", ")}; choose another with --model ${MODEL_NAMES.join("|")})`,
    );
}

/**
 * The JSON `check --json` prints: every field always present, each with one type (docs/checking.md, "JSON output").
 */
export interface CheckJson {
  file: string;
  format: Format;
  model: ModelName;
  opCount: number;
  keyCount: number;
  verdict: "ok" | "violation" | "unknown";
  message: string;
  /** The violated key, or null. */
  key: string | null;
  /** Request ids of the ops around the failure ([] unless a violation). */
  failingOps: number[];
  counterexample: { key: string; ops: number[]; lines: string[]; minimal: boolean } | null;
  /** Keys not decided within the budgets, sorted ([] when every key was decided or a violation was found). */
  unknownKeys: string[];
  keysDecided: number;
  explored: number;
  workers: number;
  elapsedMs: number;
}

function toJson(
  r: LinearizabilityResult,
  base: Pick<CheckJson, "file" | "format" | "model" | "opCount" | "keyCount" | "workers" | "elapsedMs">,
): CheckJson {
  return {
    ...base,
    verdict: r.verdict,
    message: r.message,
    key: r.verdict === "violation" ? (r.key ?? null) : null,
    failingOps: r.verdict === "violation" ? (r.ops ?? []) : [],
    counterexample: r.counterexample ?? null,
    unknownKeys: r.unknownKeys ?? [],
    keysDecided: r.keysDecided ?? 0,
    explored: r.explored,
  };
}

/**
 * `faultline check HISTORY`: is a client history linearizable? Exit 0 linearizable, 1 not linearizable, 4
 * inconclusive (a budget ran out: no proof either way, so a script must not read it as a pass), 2 bad input.
 */
export const checkCommand: CliCommand = {
  command: "check <history>",
  describe: "Check a client history (Jepsen EDN or log, Porcupine-style JSON, a Faultline trace) for linearizability",
  builder: (y: Argv) =>
    y
      .positional("history", { type: "string", describe: "history file: .edn, .json, .log, or a trace .ndjson[.gz]" })
      .option("format", { choices: FORMATS, describe: "input format (default: from the file name)" })
      .option("model", { choices: MODEL_NAMES, default: "register", describe: "the sequential specification" })
      .option("max-states", {
        type: "string",
        default: String(DEFAULT_MAX_STATES),
        describe: "search budget per key; a key that needs more is unknown",
      })
      .option("max-seconds", { type: "string", default: "60", describe: "time budget for the whole check" })
      .option("workers", {
        type: "string",
        describe: "worker threads for keys still open after 1 s (default: cores)",
      })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON (docs/checking.md)" }),
  async run(argv, ctx) {
    const started = Date.now();
    const path = String(argv.history);
    const format = (argv.format as Format | undefined) ?? guessFormat(path);
    const modelName = String(argv.model ?? "register");
    if (!(MODEL_NAMES as readonly string[]).includes(modelName))
      throw new UsageError(`--model: expected one of ${MODEL_NAMES.join(", ")}, got "${modelName}"`);
    const model = modelByName(modelName as ModelName);
    const maxStates = positiveInt(argv, "max-states", DEFAULT_MAX_STATES);
    const budgetMs = positiveSeconds(argv, "max-seconds", 60) * 1000;
    let history: HistoryOp<CheckOp>[];
    try {
      history = await loadHistory(path, format);
    } catch (e) {
      if (e instanceof HistoryFormatError || e instanceof TraceFormatError) throw new UsageError(e.message);
      throw e;
    }
    checkOpsFitModel(history, model, path);
    const keys = keyTasks(history, model).length;
    const workers = argv.workers === undefined ? defaultWorkers(keys) : positiveInt(argv, "workers", 1);
    const now = () => Date.now();
    const left = () => budgetMs - (Date.now() - started);
    // Only the time budget bounds the whole check here (the engine, with no clock, has a total state budget).
    const whole = { maxStates, model, maxTotalStates: Number.MAX_SAFE_INTEGER };
    let r: LinearizabilityResult;
    let usedWorkers = 0;
    if (workers <= 1 || keys <= 1) r = checkLinearizability(history, { ...whole, time: { now, budgetMs: left() } });
    else {
      // In this thread first: most histories are decided in milliseconds, before a worker thread would have started.
      r = checkLinearizability(history, { ...whole, time: { now, budgetMs: Math.min(left(), IN_THREAD_MS) } });
      if (r.verdict === "unknown" && r.timedOut === true && left() > 0) {
        usedWorkers = workers;
        r = await checkLinearizabilityParallel(history, model, { maxStates, budgetMs: left(), workers });
      }
    }
    const keyCount = new Set(history.map((h) => h.op.key)).size;
    if (argv.json === true) {
      const base = { file: path, format, model: model.name, opCount: history.length, keyCount, workers: usedWorkers };
      ctx.stdout(JSON.stringify(toJson(r, { ...base, elapsedMs: Date.now() - started })));
    } else printResult(ctx.stdout, path, history.length, keyCount, r);
    return r.verdict === "ok" ? EXIT_OK : r.verdict === "violation" ? EXIT_VIOLATED : EXIT_INCONCLUSIVE;
  },
};

function printResult(
  out: (line: string) => void,
  path: string,
  ops: number,
  keys: number,
  r: LinearizabilityResult,
): void {
  const head =
    r.verdict === "ok"
      ? "linearizable"
      : r.verdict === "violation"
        ? "NOT linearizable"
        : "INCONCLUSIVE (a budget ran out; raise --max-states or --max-seconds)";
  out(`${path}: ${ops} ops over ${keys} keys: ${head}`);
  out(`  ${r.message}`);
  const c = r.counterexample;
  if (c !== undefined) {
    out(
      `  ${c.minimal ? "minimal" : "reduced (not shown minimal)"} counterexample on key ${c.key}, ${c.ops.length} ops:`,
    );
    for (const line of c.lines) out(`    ${line}`);
  }
  if (r.unknownKeys !== undefined && r.unknownKeys.length > 0)
    out(`  undecided keys: ${r.unknownKeys.slice(0, 10).join(", ")}${r.unknownKeys.length > 10 ? ", ..." : ""}`);
  out(`  explored ${r.explored} search states`);
}
