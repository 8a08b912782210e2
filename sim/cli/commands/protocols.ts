import type { Argv } from "yargs";
import type { CliCommand } from "../command.ts";

export const protocolsCommand: CliCommand = {
  command: "protocols",
  describe: "List the registered protocols, their options, invariants and bug variants",
  builder: (y: Argv) => y.option("json", { type: "boolean", describe: "print JSON" }),
  async run(argv, ctx) {
    const list = ctx.registry.list();
    if (argv.json) {
      ctx.stdout(
        JSON.stringify({
          protocols: list.map((p) => ({
            name: p.name,
            description: p.description,
            options: p.options.docs,
            invariants: p.invariants.map((i) => i.name),
            progress: (p.progress ?? []).map((c) => c.name),
            bugs: Object.keys(p.bugs),
          })),
        }),
      );
      return 0;
    }
    const out: string[] = [];
    for (const p of list) {
      out.push(`${p.name}: ${p.description}`);
      for (const o of p.options.docs)
        out.push(`  option ${o.name} (${o.type}, default ${JSON.stringify(o.default)}): ${o.description}`);
      for (const i of p.invariants) out.push(`  invariant ${i.name}: ${i.description}`);
      for (const c of p.progress ?? []) out.push(`  progress ${c.name}: ${c.description}`);
      for (const [b, d] of Object.entries(p.bugs)) out.push(`  bug ${b}: ${d}`);
      out.push("");
    }
    ctx.stdout(out.join("\n").trimEnd());
    return 0;
  },
};
