import type { Argv } from "yargs";
import type { RunResult } from "../../world/result.ts";
import { runScenario } from "../../world/simulation.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { streamTraceLines } from "../traceFile.ts";
import type { TraceHeader } from "../../trace/events.ts";
import { pushLastLine, TraceFormatError, TraceLineReader } from "../../trace/reader.ts";
import type { TraceRecorder } from "../../trace/recorder.ts";
import { ResolvedScenarioSchema } from "../../scenario/resolved.ts";
import { formatPath } from "../../scenario/load.ts";
import { TraceHash } from "../../trace/hash.ts";
import { AssertionError } from "../../core/assert.ts";
import { shellQuote } from "../../explore/repro.ts";
import { RunBugError } from "../../explore/runBugError.ts";

export const replayCommand: CliCommand = {
  command: "replay <trace>",
  describe: "Re-run a trace's scenario, seed and bugs; report whether it reproduces byte for byte",
  builder: (y: Argv) =>
    y
      .positional("trace", { type: "string", describe: "trace file (.ndjson or .ndjson.gz)" })
      .option("json", { type: "boolean", describe: "print the result as one JSON object" }),
  async run(argv, ctx) {
    const path = String(argv.trace);
    // The trace is read as a stream and compared line by line with the re-run's trace as it is decoded: a long run's
    // trace is more text than one JavaScript string can hold (reading it whole failed on a 20M-row trace).
    type Difference = { line: number; was: string; now: string };
    // Fields of one object, not `let`s: the reader's header callback sets them, and TypeScript would not see that.
    const st: { replayed: Iterator<string> | null; firstDiff: Difference | null } = { replayed: null, firstDiff: null };
    const originalHash = new TraceHash();
    const replayHash = new TraceHash();
    let lineNo = 0;
    const reader = new TraceLineReader(path, {
      header: (header) => {
        st.replayed = (rerun(path, header, ctx).trace as TraceRecorder).lines()[Symbol.iterator]();
      },
      event: () => {},
    });
    /** The next line of the re-run's trace (hashed as it is taken), or null at its end. */
    const nextReplayed = (): string | null => {
      const next = st.replayed?.next();
      if (next === undefined || next.done === true) return null;
      replayHash.update(next.value).update("\n");
      return next.value;
    };
    const compare = (line: string) => {
      lineNo++;
      reader.push(line); // checks the line (and, for the header, re-runs the scenario)
      const now = nextReplayed();
      if (st.firstDiff === null && now !== line)
        st.firstDiff = { line: lineNo, was: line, now: now ?? "(end of file)" };
    };
    const rest = await streamTraceLines(path, compare, (text) => originalHash.update(text));
    pushLastLine(reader, rest, path);
    reader.finish(); // a trace without its end line is truncated: bad input, whatever the re-run says
    if (rest.length > 0 && st.firstDiff === null)
      st.firstDiff = { line: lineNo + 1, was: `${rest} (no newline at the end of the file)`, now: rest };
    for (let now = nextReplayed(); now !== null; now = nextReplayed()) {
      if (st.firstDiff === null) st.firstDiff = { line: lineNo + 1, was: "(end of file)", now };
    }
    const firstDiff = st.firstDiff;
    const same = firstDiff === null;
    const original = originalHash.digest();
    const replay = replayHash.digest();
    if (argv.json) {
      ctx.stdout(
        JSON.stringify({
          trace: path,
          reproduces: same,
          originalHash: original,
          replayHash: replay,
          firstDifference: firstDiff,
        }),
      );
    } else if (same) {
      ctx.stdout(`${path}: reproduces byte for byte (${reader.eventCount} events, hash ${original})`);
    } else {
      // Lines that differ only by a carriage return look the same printed: say what the difference is.
      const crlf = firstDiff.was.endsWith("\r") && firstDiff.was.slice(0, -1) === firstDiff.now;
      const why = crlf
        ? "\n  (the trace's line ends in \\r\\n: the file was converted to Windows line endings; traces are " +
          "written with \\n alone)"
        : "";
      ctx.stdout(
        `${path}: does NOT reproduce. First difference at line ${firstDiff.line}:\n  trace:  ` +
          `${firstDiff.was.slice(0, 300)}\n  replay: ${firstDiff.now.slice(0, 300)}${why}`,
      );
    }
    return same ? 0 : 1;
  },
};

/** Check a trace header's scenario and re-run it with the trace's seed and bugs, recording a trace. */
function rerun(path: string, header: TraceHeader, ctx: CliContext): RunResult {
  // The header is data from a file: check its scenario has the resolved shape before the engine trusts it.
  const checked = ResolvedScenarioSchema.safeParse(header.scenario);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = formatPath(["scenario", ...(issue?.path ?? [])]);
    throw new TraceFormatError(path, 1, `the header's scenario is not valid: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const scenario = header.scenario; // as read (not checked.data): the replayed header must keep its key order
  if (ctx.registry.get(scenario.protocol.name) === undefined) {
    throw new UsageError(
      `${path}: the trace's protocol "${scenario.protocol.name}" is not registered in this Faultline`,
    );
  }
  try {
    return runScenario(scenario, { registry: ctx.registry, seed: header.seed, bugs: header.bugs, sink: "record" });
  } catch (e) {
    // A failed engine assertion is a bug in Faultline or the protocol, whatever the header said (the schema admitted
    // the scenario): an internal error, with the command that repeats it.
    if (e instanceof AssertionError) throw new RunBugError(e, `faultline replay ${shellQuote(path)}`);
    // The shape was right but something in it is not (a fault naming an unknown node, a bad protocol option...):
    // still the trace's problem, so bad input naming it, not an internal error.
    throw new TraceFormatError(
      path,
      1,
      `the header's scenario cannot be re-run: ${(e as Error)?.message ?? String(e)}`,
    );
  }
}
