import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario, ScenarioError } from "../../sim/scenario/load.ts";
import { ResolvedScenarioSchema } from "../../sim/scenario/resolved.ts";
import { BASE_SCENARIO } from "../scenario/fixtures.ts";

const root = resolve(import.meta.dirname, "../..");
const files = [
  ...readdirSync(join(root, "scenarios"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(root, "scenarios", f)),
  join(root, "test/protocols/threepc/3pc-partition.yaml"),
];

describe("the resolved-scenario schema (what replay checks a trace header's scenario with)", () => {
  it.each(files)("accepts %s, resolved, unchanged", (file) => {
    const s = parseScenario(readFileSync(file, "utf8"), file, registry);
    const r = ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s)));
    expect(r.success ? "ok" : r.error.issues[0]).toBe("ok");
    expect(r.data).toEqual(JSON.parse(JSON.stringify(s)));
  });
});

// Whatever the loader accepts, `run` writes into a trace header, and `replay` must then accept that header: a
// scenario at the edge of what a file may say ran, but its trace could not be replayed.
describe("scenario files at the edges of what the loader accepts", () => {
  const base = BASE_SCENARIO;
  it.each([
    ["a zero client timeout", `${base}workload: { clients: 1, timeout: 0s }\n`],
    ["an empty partition id", `${base}faults: { schedule: [{ at: 1s, partition: { isolateDc: a }, id: "" }] }\n`],
    [
      "an empty heal id",
      `${base}faults: { schedule: [{ at: 1s, partition: { isolateDc: a }, id: "" }, { at: 2s, heal: "" }] }\n`,
    ],
    [
      "zero durations and sizes",
      `${base}network: { interDc: { latency: 0us, block: 0B, queueLimit: 0B } }\nchecks: { liveness: { ` +
        `require: [client-ok], window: 0s } }\nfaults: { schedule: [{ at: 0s, crash: n1, restartAfter: 0s }, ` +
        `{ at: 0s, partition: { isolateDc: b }, healAfter: 0s }], random: { restartAfter: 0s, ` +
        `partitionDuration: 0s, maxDown: 0, crashRate: 0/s, stopAt: 0s } }\n`,
    ],
    [
      "clocks at their bounds",
      `${base}faults: { schedule: [{ at: 5s, clock: n1, offset: -1h, drift: -100000ppm }, { at: 5s, clock: ` +
        `n2, offset: 1h, drift: 100000ppm }] }\n`,
    ],
    [
      "the extreme seed and a workload at its edges",
      `${base}seed: -9007199254740991\nworkload: { clients: 1, rate: 0/s, keys: 1, maxRedirects: 0, start: ` +
        `0s, stop: 1us, mix: { read: 0, write: 1e-300 } }\n`,
    ],
  ])("%s: refused by the loader, or accepted in the trace header", (_what, text) => {
    let s: ReturnType<typeof parseScenario>;
    try {
      s = parseScenario(text, "s.yaml", registry);
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      return;
    }
    const r = ResolvedScenarioSchema.safeParse(JSON.parse(JSON.stringify(s)));
    expect(r.success ? "ok" : r.error.issues[0]).toBe("ok");
  });
});
