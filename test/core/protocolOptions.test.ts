import { describe, expect, it } from "vitest";
import { z } from "zod";
import { protocolsCommand } from "../../sim/cli/commands/protocols.ts";
import type { Protocol } from "../../sim/core/protocol.ts";
import {
  defineOptions,
  micros,
  nodeId,
  type OptionsOf,
  type ProtocolOptionsSpec,
} from "../../sim/core/protocolOptions.ts";
import { ProtocolRegistry } from "../../sim/core/registry.ts";
import { parseScenario, ScenarioError } from "../../sim/scenario/load.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { BASE_SCENARIO } from "../scenario/fixtures.ts";

/** The fields of a small test protocol's options; `more` adds fields after them. */
function fields(env: { nodes: readonly string[] }) {
  return {
    leader: nodeId(env).nullable().default(null).describe("the node that leads (null: the first)"),
    rounds: z.number().int().min(1).default(3).describe("how many rounds to run"),
  };
}
const before = defineOptions((env) => z.object(fields(env)));
// The one line a new option takes:
const after = defineOptions((env) =>
  z.object({ ...fields(env), jitterMicros: micros(0, 1_000).default(250).describe("delay added to each round") }),
);

/** A protocol whose nodes record the options they were created with. */
function recorder<O>(options: ProtocolOptionsSpec<O>, created: O[]): Protocol<object, never, never, O> {
  return {
    name: "recorder",
    description: "test: records the options each node gets",
    options,
    create: (_ctx, o) => {
      created.push(o);
      return {};
    },
    step: () => {},
    view: () => ({}),
    invariants: [],
    bugs: {},
  };
}

async function docsOf(registry: ProtocolRegistry): Promise<unknown> {
  let out = "";
  const ctx = { registry, stdout: (t: string) => (out += t), stderr: () => {}, isTty: false };
  expect(await protocolsCommand.run({ json: true }, ctx)).toBe(0);
  return JSON.parse(out).protocols[0].options;
}

const scenario = (options: string) =>
  BASE_SCENARIO.replace("protocol: { name: register }", `protocol: { name: recorder, options: ${options} }`);

function error(text: string, registry: ProtocolRegistry): string {
  try {
    parseScenario(text, "s.yaml", registry);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

describe("a protocol option declared in the schema alone", () => {
  const created: OptionsOf<typeof after>[] = [];
  const registryBefore = new ProtocolRegistry().register(recorder(before, []));
  const registryAfter = new ProtocolRegistry().register(recorder(after, created));

  it("shows up in `faultline protocols --json` with its type, default and description", async () => {
    const rows = (await docsOf(registryAfter)) as unknown[];
    expect(rows.slice(0, -1)).toEqual(await docsOf(registryBefore));
    expect(rows.at(-1)).toEqual({
      name: "jitterMicros",
      type: "micros in [0, 1000]",
      default: 250,
      description: "delay added to each round",
    });
    expect(rows[0]).toEqual({
      name: "leader",
      type: "node id | null",
      default: null,
      description: "the node that leads (null: the first)",
    });
  });

  it("is recorded with its default in the resolved scenario and reaches create, typed", () => {
    const s = parseScenario(scenario("{ rounds: 5 }"), "s.yaml", registryAfter);
    expect(s.protocol.options).toEqual({ leader: null, rounds: 5, jitterMicros: 250 });
    expect(Object.keys(s.protocol.options)).toEqual(["leader", "rounds", "jitterMicros"]);
    expect(parseScenario(scenario("{ rounds: 5 }"), "s.yaml", registryBefore).protocol.options).toEqual({
      leader: null,
      rounds: 5,
    });
    runScenario(s, { registry: registryAfter, durationMicros: 1_000, sink: "record" });
    expect(created.length).toBe(4);
    for (const o of created) expect(o.jitterMicros + o.rounds).toBe(255);
  });

  it("is checked, with the project's wording, and unknown to the protocol without it", () => {
    expect(error(scenario("{ jitterMicros: 2000 }"), registryAfter)).toBe(
      "s.yaml: protocol.options.jitterMicros: expected a whole number of microseconds in [0, 1000], got 2000",
    );
    expect(error(scenario('{ jitterMicros: "1ms" }'), registryAfter)).toBe(
      's.yaml: protocol.options.jitterMicros: expected a whole number of microseconds in [0, 1000], got "1ms"',
    );
    expect(error(scenario("{ leader: n9 }"), registryAfter)).toBe(
      's.yaml: protocol.options.leader: expected a node id of the topology (n1, n2, x1, x2) or null, got "n9"',
    );
    expect(error(scenario("{ jitterMicros: 5 }"), registryBefore)).toBe(
      's.yaml: protocol.options.jitterMicros: protocol recorder has no option "jitterMicros" (it has: leader, rounds)',
    );
  });
});
