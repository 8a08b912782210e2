/**
 * `faultline check`: the --json shape (issue 18, defect 4), bad input as exit 2, --model and --format jepsen-log,
 * the counterexample, and the worker-thread path agreeing with the in-thread one.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HistoryOp } from "../../sim/check/history.ts";
import { generateHistory } from "../../sim/check/historyGenerator.ts";
import { checkLinearizability } from "../../sim/check/linearizability.ts";
import { registerModel } from "../../sim/check/models/register.ts";
import type { Model } from "../../sim/check/models/model.ts";
import { type CheckJson, checkCommand } from "../../sim/cli/commands/check.ts";
import { type CliContext, UsageError } from "../../sim/cli/command.ts";
import { checkLinearizabilityParallel } from "../../sim/explore/checkKeys.ts";

function ctx(out: string[]): CliContext {
  return {
    registry: {} as CliContext["registry"],
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    isTty: false,
  };
}
const dir = mkdtempSync(join(tmpdir(), "faultline-check-cli-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const GOOD =
  "{:type :invoke, :f :write, :value [:x 1], :process 0, :time 0}\n{:type :ok, :f :write, :value [:x 1], " +
  ":process 0, :time 1000}\n{:type :invoke, :f :read, :value [:x nil], :process 1, :time 2000}\n{:type :ok," +
  " :f :read, :value [:x 1], :process 1, :time 3000}\n";
const BAD = GOOD.replace("[:x 1], :process 1", "[:x 7], :process 1");

async function json(path: string, extra: Record<string, unknown> = {}): Promise<{ code: number; r: CheckJson }> {
  const out: string[] = [];
  const code = await checkCommand.run({ history: path, json: true, ...extra }, ctx(out));
  return { code, r: JSON.parse(out[0] as string) as CheckJson };
}

/** Each field's JSON type, as docs/checking.md lists them. */
const SHAPE: Record<keyof CheckJson, string> = {
  file: "string",
  format: "string",
  model: "string",
  opCount: "number",
  keyCount: "number",
  verdict: "string",
  message: "string",
  key: "string|null",
  failingOps: "array",
  counterexample: "object|null",
  unknownKeys: "array",
  keysDecided: "number",
  explored: "number",
  workers: "number",
  elapsedMs: "number",
};
const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

describe("faultline check --json", () => {
  it("gives every field the same type whatever the verdict: opCount stays the op count on a violation", async () => {
    const ok = await json(file("good.edn", GOOD));
    const bad = await json(file("bad.edn", BAD));
    const hard = Array.from({ length: 30 }, (_, i) => ({
      clientId: i,
      input: { op: "put", key: "k", value: `v${i}` },
      call: 0,
      output: null,
      return: 100,
    }));
    hard.push({
      clientId: 99,
      input: { op: "get", key: "k", value: "" },
      call: 200,
      output: "x" as never,
      return: 210,
    });
    const unknown = await json(file("hard.json", JSON.stringify(hard)), { "max-states": "100" });
    expect([ok.code, bad.code, unknown.code]).toEqual([0, 1, 4]);
    expect([ok.r.verdict, bad.r.verdict, unknown.r.verdict]).toEqual(["ok", "violation", "unknown"]);
    for (const { r } of [ok, bad, unknown]) {
      expect(Object.keys(r).sort()).toEqual(Object.keys(SHAPE).sort());
      for (const [k, t] of Object.entries(SHAPE)) expect(t.split("|")).toContain(typeOf(r[k as keyof CheckJson]));
    }
    expect(bad.r.opCount).toBe(2);
    expect(bad.r.key).toBe("x");
    expect(bad.r.failingOps.length).toBeGreaterThan(0);
    expect(bad.r.counterexample?.ops.length).toBeGreaterThan(0);
    expect(unknown.r.unknownKeys).toEqual(["k"]);
  });
});

describe("faultline check", () => {
  it("treats an empty .edn like an empty .json: bad input, exit 2", async () => {
    await expect(checkCommand.run({ history: file("empty.edn", ""), json: false }, ctx([]))).rejects.toThrow(
      UsageError,
    );
    await expect(checkCommand.run({ history: file("empty.json", ""), json: false }, ctx([]))).rejects.toThrow(
      UsageError,
    );
  });

  it("checks against the model --model names, and refuses ops that model does not have", async () => {
    const mutex =
      "{:type :invoke, :f :acquire, :process 0}\n{:type :ok, :f :acquire, :process 0}\n" +
      "{:type :invoke, :f :acquire, :process 1}\n{:type :ok, :f :acquire, :process 1}\n";
    expect((await json(file("mutex.edn", mutex), { model: "mutex" })).r.verdict).toBe("violation");
    await expect(
      checkCommand.run({ history: file("good2.edn", GOOD), json: false, model: "mutex" }, ctx([])),
    ).rejects.toThrow(/op 0 \(p0 write\) is not an op of the mutex model/);
  });

  it("reads a .log as etcd's Jepsen log and prints a minimal counterexample on a violation", async () => {
    const log =
      "INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:ok\t:write\t1\n" +
      "INFO  jepsen.util - 1\t:invoke\t:write\t2\nINFO  jepsen.util - 1\t:ok\t:write\t2\n" +
      "INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n" +
      "INFO  jepsen.util - 0\t:ok\t:read\t2\nINFO  jepsen.util - 2\t:ok\t:read\t1\n";
    const out: string[] = [];
    expect(await checkCommand.run({ history: file("etcd.log", log), json: false }, ctx(out))).toBe(1);
    const text = out.join("\n");
    expect(text).toMatch(/NOT linearizable/);
    expect(text).toMatch(/minimal counterexample on key default, 3 ops:/);
    expect(text).toMatch(/p2 r\d+ read = "1"/);
  });
});

describe("faultline check's time budget", () => {
  it("hands keys still open after a second in-thread to worker threads, and says unknown when time is up", async () => {
    const hard = (key: string) => [
      ...Array.from({ length: 40 }, (_, i) => ({
        clientId: i,
        input: { op: "put", key, value: `v${i}` },
        call: 0,
        output: null,
        return: 100,
      })),
      { clientId: 99, input: { op: "get", key }, call: 200, output: "x", return: 210 },
    ];
    const path = file("slow.json", JSON.stringify([...hard("a"), ...hard("b")]));
    const { code, r } = await json(path, { "max-seconds": "3", "max-states": "1e12", workers: "2" });
    expect([code, r.verdict, r.workers]).toEqual([4, "unknown", 2]);
    expect(r.unknownKeys).toEqual(["a", "b"]);
    expect(r.message).toMatch(/time budget/);
  }, 60_000);
});

describe("keys checked on worker threads", () => {
  const model = registerModel as Model<unknown>;
  const cases: [string, HistoryOp[]][] = [
    ["linearizable", generateHistory({ ops: 3000, clients: 10, keys: 8, violation: false, seed: 5 })],
    ["not linearizable", generateHistory({ ops: 3000, clients: 10, keys: 8, violation: true, seed: 6 })],
  ];
  for (const [name, history] of cases) {
    it(`give the in-thread check's verdict and key on a ${name} history`, async () => {
      const seq = checkLinearizability(history, { model });
      const par = await checkLinearizabilityParallel(history, model, { budgetMs: 60_000, workers: 2 });
      expect([par.verdict, par.key, par.counterexample?.ops]).toEqual([seq.verdict, seq.key, seq.counterexample?.ops]);
    }, 60_000);
  }

  it("stop at the first violation: keys after it that would take hours are cut short", async () => {
    const hard = (key: string): HistoryOp[] => [
      ...Array.from(
        { length: 40 },
        (_, i): HistoryOp => ({
          process: i,
          client: `c${i}`,
          requestId: 1000 * key.length + i,
          op: { f: "write", key, value: `v${i}` },
          invokeMicros: 0,
          completeMicros: 100,
          outcome: "ok",
          result: null,
        }),
      ),
    ];
    const stale: HistoryOp[] = generateHistory({ ops: 40, clients: 3, keys: 1, violation: true, seed: 2 });
    const history = [...stale, ...hard("h1"), ...hard("h22"), ...hard("h333")];
    history.push({
      ...(history.at(-1) as HistoryOp),
      requestId: 99_999,
      op: { f: "read", key: "h1" },
      invokeMicros: 200,
      completeMicros: 210,
      result: "x",
    });
    const r = await checkLinearizabilityParallel(history, model, { maxStates: 1e12, budgetMs: 600_000, workers: 2 });
    expect([r.verdict, r.key]).toEqual(["violation", "k0"]);
  }, 60_000);
});
