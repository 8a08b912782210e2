import yargs from "yargs";
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { COMMANDS } from "../../sim/cli/commands/index.ts";
import { cli, expectCleanError } from "./helpers.ts";

describe("usage mistakes", () => {
  it.each([
    [["run", "scenarios/demo.yaml", "--sede", "3"], "Unknown argument: sede (did you mean --seed?)"],
    [["sweep", "scenarios/demo.yaml", "--seed", "3"], "Unknown argument: seed (did you mean --seeds?)"],
    [
      ["run", "scenarios/demo.yaml", "--jsn", "--frobnicate"],
      "Unknown arguments: jsn (did you mean --json?), frobnicate",
    ],
    [["view", "t.ndjson", "--prot", "8080"], "Unknown argument: prot (did you mean --port?)"],
    [["rnu", "scenarios/demo.yaml"], 'unknown command "rnu" (did you mean "run"?)'],
    [["swep", "scenarios/demo.yaml"], 'unknown command "swep" (did you mean "sweep"?)'],
  ])("%j names the nearest flag or command", async (args, said) => {
    expectCleanError(await cli(...args), said);
  });

  it("suggests nothing for an extra positional", async () => {
    const r = await cli("run", "scenarios/demo.yaml", "extra");
    expectCleanError(r, "Unknown argument: extra");
    expect(r.err).not.toContain("did you mean");
  });
});

describe("--help and --version", () => {
  it("--version prints the package's version", async () => {
    expect(await cli("--version")).toEqual({ code: 0, out: `${packageJson.version}\n`, err: "" });
  });

  it.each(COMMANDS.map((c) => [c.command.split(" ")[0] as string, c]))(
    "%s --help describes each of its positionals and flags",
    async (name, command) => {
      const help = await cli(name, "--help");
      expect(help.code).toBe(0);
      const positionals = [...command.command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1] as string);
      const keys = Object.keys(
        (command.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key,
      );
      expect(keys.length).toBeGreaterThan(2);
      for (const key of keys) {
        const label = positionals.includes(key) ? key : `--${key}`;
        const line = help.out.split("\n").find((l) => l.trimStart().startsWith(`${label} `));
        expect(line, `${name} --help has a line for ${label}`).toBeDefined();
        // What is left of the line once the name and yargs' [type] [required] [default: ...] tags are taken away.
        const text = (line as string)
          .replace(label, "")
          .replace(/\[[^\]]*\]/g, "")
          .trim();
        expect(text, `${name} --help describes ${label}`).not.toBe("");
      }
    },
  );
});
