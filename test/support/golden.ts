import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { expect } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Compare `actual` with the golden file at `path`. A missing golden file fails (a first run does not pass by writing
 * what it saw); UPDATE_GOLDEN=1 writes or rewrites it instead, for review in the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/viz/model.test.ts
 */
export function expectGolden(path: string, actual: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.UPDATE_GOLDEN === "1") {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(
      `golden file ${relative(ROOT, path)} is missing: write it with UPDATE_GOLDEN=1 npx vitest run ` +
        `${relative(ROOT, expect.getState().testPath ?? "<the test file>")}, and review it`,
    );
  expect(actual).toBe(readFileSync(path, "utf8"));
}
