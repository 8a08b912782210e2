import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectGolden } from "./golden.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "faultline-golden-"));

describe("golden files", () => {
  it("fail when the golden file is missing, outside CI too, and do not write it", () => {
    const path = join(tempDir(), "view.svg");
    expect(() => expectGolden(path, "<svg/>", {})).toThrow(
      /golden file .*view\.svg is missing: write it with UPDATE_GOLDEN=1/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it("are written by UPDATE_GOLDEN=1 and then compared", () => {
    const path = join(tempDir(), "view.svg");
    expectGolden(path, "<svg/>", { UPDATE_GOLDEN: "1" });
    expect(readFileSync(path, "utf8")).toBe("<svg/>");
    expectGolden(path, "<svg/>", {});
    writeFileSync(path, "<svg>old</svg>");
    expect(() => expectGolden(path, "<svg/>", {})).toThrow();
  });
});
