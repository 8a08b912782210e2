import { readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { loadScenarioFile } from "../../sim/cli/scenarioFile.ts";
import { scenarioFileObject } from "../../sim/explore/scenarioFile.ts";
import { swarmScenario } from "../../sim/explore/swarm.ts";
import { parseScenario } from "../../sim/scenario/load.ts";

describe("a resolved scenario written back as a file", () => {
  it("loads as the same scenario, for every scenario of the library and swarm draws of them", () => {
    for (const f of readdirSync("scenarios").filter((x) => x.endsWith(".yaml"))) {
      const s = loadScenarioFile(join("scenarios", f), registry);
      for (const each of [s, swarmScenario(s, 3).scenario]) {
        const text = stringify(scenarioFileObject(each));
        expect(parseScenario(text, `${f} written back`, registry), f).toEqual(each);
      }
    }
  });
});
