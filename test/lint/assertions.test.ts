import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { scanAssertions, scanFile, sourcesIn } from "./assertionCount.ts";

const root = resolve(import.meta.dirname, "../..");

/**
 * protocols/raft is being given its assertions on another branch. When that branch is merged, the lead switches it on
 * by adding it to DIRS: `const DIRS = ["sim/world", ...RAFT_DIRS];`.
 */
const RAFT_DIRS = ["protocols/raft"];
/** The folders whose non-trivial functions must assert (TIGER_STYLE, issue 15 point 5). */
const DIRS = ["sim/world", ...RAFT_DIRS];

/** A body with more statements than this is non-trivial. */
const MIN_STATEMENTS = 5;
/** Each non-trivial function makes at least this many `assert(` calls. */
const MIN_ASSERTS = 2;

describe("assertion density", () => {
  it("every function or method of more than 5 statements in the checked folders makes at least 2 assert calls", () => {
    const files = DIRS.flatMap((dir) => sourcesIn(root, dir));
    const found = files.flatMap((file) => scanFile(root, file, MIN_STATEMENTS));
    expect(found.length).toBeGreaterThan(10);
    const short = found
      .filter((f) => f.asserts < MIN_ASSERTS)
      .map((f) => `${f.file}:${f.line} ${f.name} (${f.statements} statements, ${f.asserts} asserts)`);
    expect(short).toEqual([]);
  });

  it("the folders waiting to be switched on exist and hold sources", () => {
    expect(RAFT_DIRS.flatMap((dir) => sourcesIn(root, dir)).length).toBeGreaterThan(0);
  });

  it("the scanner counts asserts per function, skips short bodies and nested declarations", () => {
    const text = [
      "class Box {",
      "  put(x: number) { assert(x >= 0, 'x'); a(); b(); c(); d(); e(); }",
      "  short() { a(); }",
      "}",
      "function outer() {",
      "  a(); b(); c(); d(); e();",
      "  function inner() { assert(true, () => 'never'); a(); b(); c(); d(); e(); assert(1, 'm'); }",
      "  [1].forEach((v) => assert(v > 0, 'v'));",
      "}",
    ].join("\n");
    const found = scanAssertions("planted.ts", text, MIN_STATEMENTS);
    expect(found.map((f) => [f.name, f.statements, f.asserts])).toEqual([
      ["Box.put", 6, 1],
      ["outer", 7, 1],
      ["inner", 7, 2],
    ]);
  });
});
