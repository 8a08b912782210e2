import type { Argv } from "yargs";
import type { RunResult } from "../../world/result.ts";
import { runScenario } from "../../world/simulation.ts";
import { UsageError, type CliCommand, type CliContext } from "../command.ts";
import { streamTraceLines } from "../traceFile.ts";
import type { TraceHeader } from "../../trace/events.ts";
import { pushLastLine, TraceFormatError, TraceLineReader } from "../../trace/reader.ts";
import type { TraceRecorder } from "../../trace/recorder.ts";
import { ResolvedScenarioSchema } from "../../trace/resolvedScenarioSchema.ts";
import { formatPath } from "../../scenario/load.ts";
import { TraceHash } from "../../trace/hash.ts";

export const replayCommand: CliCommand = {
  command: "replay <trace>",
  describe: "Re-run a trace's scenario, seed and bugs; report whether it reproduces byte for byte",
  builder: (y: Argv) => y.positional("trace", { type: "string", describe: "trace file (.ndjson or .ndjson.gz)" }).option("json", { type: "boolean" }),
  async run(argv, ctx) {
    const path = String(argv.trace);
    // The trace is read as a stream and compared line by line with the re-run's trace as it is decoded: a long run's
    // trace is more text than one JavaScript string can hold (reading it whole failed on a 20M-row trace).
    let replayed: Iterator<string> | null = null;
    let replayHash: TraceHash | null = null;
    const originalHash = new TraceHash();
    let lineNo = 0;
    let firstDiff: { line: number; was: string; now: string } | null = null;
    const reader = new TraceLineReader(path, {
      header: (header) => {
        const r = rerun(path, header, ctx);
        replayed = (r.trace as TraceRecorder).lines()[Symbol.iterator]();
        replayHash = new TraceHash();
      },
      event: () => {},
    });
    const compare = (line: string) => {
      lineNo++;
      reader.push(line); // checks the line (and, for the header, re-runs the scenario)
      const next = (replayed as Iterator<string> | null)?.next();
      const now = next === undefined || next.done ? null : next.value;
      if (now !== null) (replayHash as TraceHash | null)?.update(now).update("\n");
      if (firstDiff === null && now !== line) firstDiff = { line: lineNo, was: line, now: now ?? "(end of file)" };
    };
    const rest = await streamTraceLines(path, compare, (text) => originalHash.update(text));
    pushLastLine(reader, rest, path);
    reader.finish(); // a trace without its end line is truncated: bad input, whatever the re-run says
    if (rest.length > 0 && firstDiff === null) firstDiff = { line: lineNo + 1, was: `${rest} (no newline at the end of the file)`, now: rest };
    if (replayed !== null) {
      const it = replayed as Iterator<string>;
      for (let next = it.next(); !next.done; next = it.next()) {
        (replayHash as TraceHash | null)?.update(next.value).update("\n");
        if (firstDiff === null) firstDiff = { line: lineNo + 1, was: "(end of file)", now: next.value };
      }
    }
    const same = firstDiff === null;
    const original = originalHash.digest();
    const replay = (replayHash as TraceHash | null)?.digest() ?? "";
    if (argv.json) {
      ctx.stdout(JSON.stringify({ trace: path, reproduces: same, originalHash: original, replayHash: replay, firstDifference: firstDiff }));
    } else if (same) {
      ctx.stdout(`${path}: reproduces byte for byte (${reader.eventCount} events, hash ${original})`);
    } else {
      const d = firstDiff as unknown as { line: number; was: string; now: string };
      ctx.stdout(`${path}: does NOT reproduce. First difference at line ${d.line}:\n  trace:  ${d.was.slice(0, 300)}\n  replay: ${d.now.slice(0, 300)}`);
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
    throw new UsageError(`${path}: the trace's protocol "${scenario.protocol.name}" is not registered in this Faultline`);
  }
  try {
    return runScenario(scenario, { registry: ctx.registry, seed: header.seed, bugs: header.bugs, sink: "record" });
  } catch (e) {
    // The shape was right but something in it is not (a fault naming an unknown node, a bad protocol option...):
    // still the trace's problem, so bad input naming it, not an internal error.
    throw new TraceFormatError(path, 1, `the header's scenario cannot be re-run: ${(e as Error)?.message ?? String(e)}`);
  }
}
