import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cycles, importGraph, importSpecifiers } from "./importGraph.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCANNED = ["sim", "protocols", "viz/src", "bench"];

/**
 * Cycles that other work is removing. Each entry is one cycle's files, sorted; the test fails if a listed cycle has
 * changed or is gone, so this list only shrinks, to empty.
 */
const KNOWN_CYCLES: readonly (readonly string[])[] = [];

const name = (cycle: readonly string[]): string => cycle.join(" <-> ");

describe("import cycles", () => {
  const found = cycles(importGraph(ROOT, SCANNED));

  it("finds no import cycle in sim/, protocols/, viz/src or bench/ beyond the listed ones", () => {
    const known = new Set(KNOWN_CYCLES.map(name));
    const fresh = found.map(name).filter((c) => !known.has(c));
    expect(fresh, `import cycles:\n${fresh.join("\n")}`).toEqual([]);
  });

  it("lists only cycles that still exist, so the list of known cycles shrinks as they are fixed", () => {
    const present = new Set(found.map(name));
    const stale = KNOWN_CYCLES.map(name).filter((c) => !present.has(c));
    expect(stale, `listed cycles that changed or are gone (update KNOWN_CYCLES):\n${stale.join("\n")}`).toEqual([]);
  });

  it("keeps sim/cli free of imports from bench/", () => {
    const graph = importGraph(ROOT, SCANNED);
    const crossing = [...graph].flatMap(([from, to]) =>
      from.startsWith("sim/") ? to.filter((t) => t.startsWith("bench/")).map((t) => `${from} -> ${t}`) : [],
    );
    expect(crossing).toEqual([]);
  });
});

describe("the import graph builder", () => {
  it("reads type-only, multi-line, export-from and dynamic imports but not commented-out ones", () => {
    const text = [
      'import type { A } from "./a.ts";',
      "import {",
      "  b,",
      "  type C,",
      '} from "./b.ts";',
      'export * from "./c.ts";',
      'const d = await import("./d.ts");',
      'import "./e.ts";',
      '// import { f } from "./f.ts";',
      'import { z } from "zod";',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual(["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });

  it("names a planted cycle and no acyclic file", () => {
    const graph = new Map([
      ["x.ts", ["y.ts"]],
      ["y.ts", ["z.ts"]],
      ["z.ts", ["x.ts"]],
      ["w.ts", ["x.ts"]],
    ]);
    expect(cycles(graph)).toEqual([["x.ts", "y.ts", "z.ts"]]);
  });
});
