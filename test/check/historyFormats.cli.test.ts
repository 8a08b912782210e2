import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../../sim/cli/commands/check.ts";
import { type CliContext, UsageError } from "../../sim/cli/command.ts";

function ctx(out: string[]): CliContext {
  return {
    registry: {} as CliContext["registry"],
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    isTty: false,
  };
}
const dir = mkdtempSync(join(tmpdir(), "faultline-check-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const GOOD =
  "{:type :invoke, :f :write, :value [:x 1], :process 0, :time 0}\n{:type :ok, :f :write, :value [:x 1], " +
  ":process 0, :time 1000}\n{:type :invoke, :f :read, :value [:x nil], :process 1, :time 2000}\n{:type :ok," +
  " :f :read, :value [:x 1], :process 1, :time 3000}\n";

describe("faultline check", () => {
  it("exits 0 for a linearizable history and 1 for a violation, naming the key", async () => {
    const out: string[] = [];
    expect(await checkCommand.run({ history: file("good.edn", GOOD), json: false }, ctx(out))).toBe(0);
    expect(out.join("\n")).toMatch(/2 ops over 1 keys: linearizable/);
    const bad: string[] = [];
    expect(
      await checkCommand.run(
        { history: file("bad.edn", GOOD.replace("[:x 1], :process 1", "[:x 7], :process 1")), json: true },
        ctx(bad),
      ),
    ).toBe(1);
    const r = JSON.parse(bad[0] as string) as { verdict: string; key: string };
    expect([r.verdict, r.key]).toEqual(["violation", "x"]);
  });

  it("exits 1 with unknown when the search budget runs out", async () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({
      clientId: i,
      input: { op: "put", key: "k", value: `v${i}` },
      call: 0,
      output: null,
      return: 100,
    }));
    ops.push({
      clientId: 99,
      input: { op: "get", key: "k", value: "" },
      call: 200,
      output: "nope" as never,
      return: 210,
    });
    const out: string[] = [];
    expect(
      await checkCommand.run(
        { history: file("hard.json", JSON.stringify(ops)), "max-states": 100, json: false },
        ctx(out),
      ),
    ).toBe(4);
    expect(out.join("\n")).toMatch(/INCONCLUSIVE .*--max-states/);
  });

  it("turns parse errors and unknown formats into usage errors (exit 2)", async () => {
    await expect(
      checkCommand.run({ history: file("broken.edn", "{:type :invoke"), json: false }, ctx([])),
    ).rejects.toThrow(UsageError);
    await expect(checkCommand.run({ history: file("h.txt", GOOD), json: false }, ctx([]))).rejects.toThrow(
      /--format edn\|json\|trace/,
    );
    await expect(checkCommand.run({ history: join(dir, "missing.edn"), json: false }, ctx([]))).rejects.toThrow(
      /no such file/,
    );
  });
});
