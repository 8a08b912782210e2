import type { Argv } from "yargs";
import { formatMicros } from "../../core/units.ts";
import type { CliCommand } from "../command.ts";
import { loadScenarioFile } from "../scenarioFile.ts";

export const validateCommand: CliCommand = {
  command: "validate <files..>",
  describe: "Check scenario files without running them",
  builder: (y: Argv) => y.positional("files", { type: "string", array: true, describe: "scenario files" }),
  async run(argv, ctx) {
    const files = (argv.files as string[]) ?? [];
    let bad = 0;
    for (const file of files) {
      try {
        const s = loadScenarioFile(file, ctx.registry);
        const nodes = s.topology.datacenters.reduce((n, d) => n + d.nodes.length, 0);
        ctx.stdout(
          `OK  ${file}: ${s.name}, ${s.protocol.name} on ${nodes} nodes in ${s.topology.datacenters.length}` +
            ` DCs, ${formatMicros(s.durationMicros)}, ${s.faults.schedule.length} scheduled faults`,
        );
      } catch (e) {
        bad++;
        ctx.stderr(`BAD ${(e as Error).message}`);
      }
    }
    return bad > 0 ? 2 : 0;
  },
};
