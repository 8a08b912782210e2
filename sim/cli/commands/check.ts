import type { Argv } from "yargs";
import type { HistoryOp } from "../../check/history.ts";
import { HistoryFormatError, parseJepsenEdn, parsePorcupineJson, TraceHistory } from "../../check/historyFormats.ts";
import { checkLinearizability } from "../../check/linearizability.ts";
import { EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED } from "../../explore/verdict.ts";
import { TraceFormatError } from "../../trace/reader.ts";
import { type CliCommand, UsageError } from "../command.ts";
import { streamTraceEvents } from "../traceFile.ts";
import { readUserFile } from "../userFile.ts";

type Format = "edn" | "json" | "trace";

function guessFormat(path: string): Format {
  if (path.endsWith(".edn")) return "edn";
  if (/\.ndjson(\.gz)?$|\.gz$/.test(path)) return "trace";
  if (path.endsWith(".json")) return "json";
  throw new UsageError(`cannot tell the format of ${path} from its name: pass --format edn|json|trace`);
}

async function loadHistory(path: string, format: Format): Promise<HistoryOp[]> {
  if (format === "trace") {
    // Streamed: only the client events are kept, so a trace of any length can be checked.
    const history = new TraceHistory();
    await streamTraceEvents(path, history);
    return history.ops();
  }
  const text = readUserFile(path).toString("utf8");
  return format === "edn" ? parseJepsenEdn(text, path) : parsePorcupineJson(text, path);
}

/**
 * `faultline check HISTORY`: is a client history linearizable? Exit 0 linearizable, 1 not linearizable, 4
 * inconclusive (the search hit --max-states: no proof either way, so a script must not read it as a pass), 2 bad
 * input.
 */
export const checkCommand: CliCommand = {
  command: "check <history>",
  describe: "Check a client history (Jepsen EDN, Porcupine-style JSON, or a Faultline trace) for linearizability",
  builder: (y: Argv) =>
    y
      .positional("history", { type: "string", describe: "history file: .edn, .json, or a trace .ndjson[.gz]" })
      .option("format", { choices: ["edn", "json", "trace"], describe: "input format (default: from the file name)" })
      .option("max-states", {
        type: "string",
        default: "2000000",
        describe: "search budget; beyond it the verdict is unknown",
      })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" }),
  async run(argv, ctx) {
    const path = String(argv.history);
    const format = (argv.format as Format | undefined) ?? guessFormat(path);
    // Read as text and parsed here: yargs' own number parsing turned "abc" into NaN before the message could quote it.
    const given = String(argv["max-states"] ?? "2000000");
    const maxStates = given.trim() === "" ? Number.NaN : Number(given); // "1e6" is a whole number too
    if (!Number.isSafeInteger(maxStates) || maxStates < 1)
      throw new UsageError(`--max-states: expected a positive integer, got "${given}"`);
    let history: HistoryOp[];
    try {
      history = await loadHistory(path, format);
    } catch (e) {
      if (e instanceof HistoryFormatError || e instanceof TraceFormatError) throw new UsageError(e.message);
      throw e;
    }
    const r = checkLinearizability(history, { maxStates });
    const keys = new Set(history.map((h) => h.op.key)).size;
    if (argv.json === true) ctx.stdout(JSON.stringify({ file: path, format, ops: history.length, keys, ...r }));
    else {
      const head =
        r.verdict === "ok"
          ? "linearizable"
          : r.verdict === "violation"
            ? "NOT linearizable"
            : "INCONCLUSIVE (search limit reached; raise --max-states)";
      ctx.stdout(`${path}: ${history.length} ops over ${keys} keys: ${head}`);
      ctx.stdout(`  ${r.message}`);
      ctx.stdout(`  explored ${r.explored} search states`);
    }
    return r.verdict === "ok" ? EXIT_OK : r.verdict === "violation" ? EXIT_VIOLATED : EXIT_INCONCLUSIVE;
  },
};
