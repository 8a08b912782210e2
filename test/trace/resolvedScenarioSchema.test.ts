import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { parseScenario } from "../../sim/scenario/load.ts";
import { ResolvedScenarioSchema } from "../../sim/trace/resolvedScenarioSchema.ts";

const root = resolve(import.meta.dirname, "../..");
const files = [
  ...readdirSync(join(root, "scenarios")).filter((f) => f.endsWith(".yaml")).map((f) => join(root, "scenarios", f)),
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
