import { describe, expect, it } from "vitest";
import { cli, expectCleanError, tempDir } from "./helpers.ts";

describe("a directory where a file is expected", () => {
  const dir = tempDir();
  it.each([
    [["check", dir, "--format", "edn"], `cannot read ${dir}: it is a directory`],
    [["check", dir, "--format", "json"], `cannot read ${dir}: it is a directory`],
    [["check", dir, "--format", "trace"], `cannot read ${dir}: it is a directory`],
    [["replay", dir], `cannot read ${dir}: it is a directory`],
    [["validate", dir], `cannot read ${dir}: it is a directory, expected a scenario file`],
    [["run", dir], `cannot read ${dir}: it is a directory, expected a scenario file`],
    [["export", dir, "--format", "chrome"], `cannot read ${dir}: it is a directory`],
  ])("%j is exit 2 naming it", async (args, message) => {
    expectCleanError(await cli(...(args as string[])), message as string);
  });
});
