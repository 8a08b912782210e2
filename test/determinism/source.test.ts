import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { deterministicSources, scanText } from "./sourceScan.ts";

const root = resolve(import.meta.dirname, "../..");

describe("deterministic sources", () => {
  it(
    "sim/ (outside sim/cli and sim/explore) and protocols/ read no real time, randomness or environment and " +
      "import no node: module",
    () => {
      const files = deterministicSources(root, ["sim", "protocols"]);
      expect(files.length).toBeGreaterThan(20);
      const hits = files.flatMap((f) => scanText(readFileSync(f, "utf8")).map((h) => `${relative(root, f)} ${h}`));
      expect(hits).toEqual([]);
    },
  );

  it("the scanner catches each banned use in a planted example", () => {
    const planted = [
      "const t = Date.now();",
      "const d = new Date();",
      "if (Math.random() < 0.5) {}",
      "const p = performance.now();",
      "setTimeout(() => {}, 10);",
      "const e = process.env.HOME;",
      "crypto.randomUUID();",
      'import { readFileSync } from "node:fs";',
      'const z = await import("node:zlib");',
    ];
    for (const line of planted) expect(scanText(line), line).toHaveLength(1);
    expect(scanText("// Date.now() is banned here\nconst ok = 1;")).toEqual([]);
  });
});
