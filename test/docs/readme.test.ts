import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { registry } from "../../protocols/index.ts";
import { COMMANDS } from "../../sim/cli/commands/index.ts";
import { defaultTracePath } from "../../sim/cli/commands/run.ts";
import { parseScenario } from "../../sim/scenario/load.ts";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("the README", () => {
  it("replays and views the trace that npm start writes", () => {
    const start = /^node bin\/faultline\.mjs run (\S+)$/.exec(packageJson.scripts.start);
    expect(start, "npm start runs one scenario file").not.toBeNull();
    const file = (start as RegExpExecArray)[1] as string;
    const scenario = parseScenario(readFileSync(join(root, file), "utf8"), file, registry);
    const written = defaultTracePath(scenario.name, scenario.seed);
    const examples = [...readme.matchAll(/faultline (?:replay|view) (traces\/\S+)/g)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const trace of examples) expect(trace).toBe(written);
  });

  it("lists every command", () => {
    for (const c of COMMANDS) expect(readme).toMatch(new RegExp(`^npx faultline ${c.command.split(" ")[0]} `, "m"));
  });

  it("counts the runs of the Raft library's sweep right", () => {
    const n = readdirSync(join(root, "scenarios")).filter((f) => /^raft-.*\.yaml$/.test(f)).length;
    expect(n).toBeGreaterThan(0);
    const said = /sweep scenarios\/raft-\*\.yaml --seeds (\d+)` runs them all \((\d+) scenarios, ([\d,]+)\s+runs/.exec(
      readme,
    );
    expect(said, "the README says how many scenarios and runs the Raft sweep is").not.toBeNull();
    const [, seeds, scenarios, runs] = said as RegExpExecArray;
    expect(Number(scenarios)).toBe(n);
    expect(Number((runs as string).replace(/,/g, ""))).toBe(n * Number(seeds));
  });
});
