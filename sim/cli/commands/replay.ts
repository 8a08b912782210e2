import type { Argv } from "yargs";
import { runScenario } from "../../world/simulation.ts";
import { UsageError, type CliCommand } from "../command.ts";
import { readTraceText } from "../traceFile.ts";
import { parseTrace, TraceFormatError } from "../../trace/reader.ts";
import { ResolvedScenarioSchema } from "../../trace/resolvedScenarioSchema.ts";
import { formatPath } from "../../scenario/load.ts";
import { hashText } from "../../trace/hash.ts";

export const replayCommand: CliCommand = {
  command: "replay <trace>",
  describe: "Re-run a trace's scenario, seed and bugs; report whether it reproduces byte for byte",
  builder: (y: Argv) => y.positional("trace", { type: "string", describe: "trace file (.ndjson or .ndjson.gz)" }).option("json", { type: "boolean" }),
  async run(argv, ctx) {
    const path = String(argv.trace);
    const text = readTraceText(path);
    const trace = parseTrace(text, path);
    const { header } = trace;
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
    let r: ReturnType<typeof runScenario>;
    try {
      r = runScenario(scenario, { registry: ctx.registry, seed: header.seed, bugs: header.bugs, sink: "record" });
    } catch (e) {
      // The shape was right but something in it is not (a fault naming an unknown node, a bad protocol option...):
      // still the trace's problem, so bad input naming it, not an internal error.
      throw new TraceFormatError(path, 1, `the header's scenario cannot be re-run: ${(e as Error)?.message ?? String(e)}`);
    }
    const again = (r.trace?.toNdjson() ?? "");
    const same = again === text;
    let firstDiff: { line: number; was: string; now: string } | null = null;
    if (!same) {
      const a = text.split("\n");
      const b = again.split("\n");
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i] !== b[i]) {
          firstDiff = { line: i + 1, was: a[i] ?? "(end of file)", now: b[i] ?? "(end of file)" };
          break;
        }
      }
    }
    if (argv.json) {
      ctx.stdout(JSON.stringify({ trace: path, reproduces: same, originalHash: hashText(text), replayHash: hashText(again), firstDifference: firstDiff }));
    } else if (same) {
      ctx.stdout(`${path}: reproduces byte for byte (${trace.events.length} events, hash ${hashText(text)})`);
    } else {
      const d = firstDiff as { line: number; was: string; now: string };
      ctx.stdout(`${path}: does NOT reproduce. First difference at line ${d.line}:\n  trace:  ${d.was.slice(0, 300)}\n  replay: ${d.now.slice(0, 300)}`);
    }
    return same ? 0 : 1;
  },
};
