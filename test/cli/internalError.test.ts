/**
 * An engine assertion that fails in a run is an internal error: exit 3, the words "bug in Faultline or in the
 * protocol", and the repro line of the run (run and sweep: `faultline run FILE --seed N`; replay: the replay command).
 * The failure is planted with a test protocol that breaks an engine contract: it asks for a timer with a negative
 * delay.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry as shipped } from "../../protocols/index.ts";
import type { Protocol } from "../../sim/core/protocol.ts";
import { noOptions } from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { main } from "../../sim/cli/main.ts";
import { tempDir } from "./helpers.ts";

/** Sets a timer at start; when it fires, `breaks` decides whether the node asks for a timer 5us in the past. */
function timerProtocol(breaks: boolean): Protocol<{ fired: number }, never, never> {
  return {
    name: "negative-timer",
    description: "test-only: breaks the setTimer contract (delay >= 0) when its timer fires",
    options: noOptions,
    create: () => ({ fired: 0 }),
    step: (s, input, ctx) => {
      if (input.kind === "start") ctx.setTimer("tick", 1_000);
      if (input.kind !== "timer") return;
      s.fired++;
      ctx.setTimer("tick", breaks && ctx.id === "n2" ? -5 : 1_000);
    },
    view: (s) => ({ fired: s.fired }),
    invariants: [],
    bugs: {},
  };
}

function registryWith(breaks: boolean): ProtocolRegistry {
  const r = new ProtocolRegistry();
  for (const p of shipped.list()) r.register(p);
  r.register(timerProtocol(breaks));
  return r;
}

async function cli(registry: ProtocolRegistry, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    registry,
    stdout: (t) => out.push(`${t}\n`),
    stderr: (t) => err.push(`${t}\n`),
    isTty: false,
  });
  return { code, out: out.join(""), err: err.join("") };
}

function scenarioFile(dir: string): string {
  const file = join(dir, "negative-timer.yaml");
  writeFileSync(
    file,
    [
      "name: negative-timer",
      "duration: 1s",
      "protocol: { name: negative-timer }",
      "topology:",
      "  datacenters:",
      "    - { name: a, nodes: 3 }",
      "workload: { clients: 0 }",
      "",
    ].join("\n"),
  );
  return file;
}

function expectInternal(r: { code: number; err: string }, repro: string): void {
  expect(r.code).toBe(3);
  expect(r.err).toMatch(/internal error: assertion failed: timer tick on n2: delay must be a finite number >= 0/);
  expect(r.err).toContain("bug in Faultline or in the protocol");
  expect(r.err).toContain(`repro: ${repro}`);
  expect(r.err).not.toMatch(/^\s+at /m);
}

describe("an engine assertion failing in a run", () => {
  it("makes run exit 3 with the run's repro line and write no trace", async () => {
    const dir = tempDir();
    const file = scenarioFile(dir);
    const trace = join(dir, "t.ndjson");
    const r = await cli(registryWith(true), "run", file, "--seed", "7", "--trace", trace);
    expectInternal(r, `faultline run ${file} --seed 7`);
    const { existsSync } = await import("node:fs");
    expect(existsSync(trace)).toBe(false);
  });

  it("makes sweep exit 3 with the repro line of the seed that failed", async () => {
    const dir = tempDir();
    const file = scenarioFile(dir);
    const r = await cli(registryWith(true), "sweep", file, "--seeds", "3", "--from", "40");
    expectInternal(r, `faultline run ${file} --seed 40`);
  });

  it("makes replay exit 3 with the replay command, when the trace's protocol now breaks the contract", async () => {
    const dir = tempDir();
    const file = scenarioFile(dir);
    const trace = join(dir, "t.ndjson");
    const ok = await cli(registryWith(false), "run", file, "--seed", "2", "--trace", trace);
    expect(ok.code).toBe(0);
    const r = await cli(registryWith(true), "replay", trace);
    expectInternal(r, `faultline replay ${trace}`);
  });

  it("leaves a run of the well-behaved protocol passing", async () => {
    const r = await cli(registryWith(false), "run", scenarioFile(tempDir()), "--seed", "7", "--no-trace-file");
    expect(r.code).toBe(0);
  });
});
