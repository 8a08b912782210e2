import { describe, expect, it } from "vitest";
import { formatMicros, parseBandwidth, parseDuration, parseRate, parseSize, UnitError } from "../../sim/core/units.ts";

describe("units", () => {
  it("parses durations into integer microseconds", () => {
    expect(parseDuration("40ms")).toBe(40_000);
    expect(parseDuration("2s")).toBe(2_000_000);
    expect(parseDuration("250us")).toBe(250);
    expect(parseDuration("1.5m")).toBe(90_000_000);
    expect(parseDuration("1h")).toBe(3_600_000_000);
  });

  it("rejects bare numbers, negatives and unknown units with a message saying what was expected", () => {
    expect(() => parseDuration("40")).toThrow(/with a unit/);
    expect(() => parseDuration("-5ms")).toThrow(UnitError);
    expect(() => parseDuration("5 parsecs")).toThrow(/unknown duration unit/);
  });

  it("parses sizes, bandwidths and rates", () => {
    expect(parseSize("4KiB")).toBe(4096);
    expect(parseSize("1MB")).toBe(1_000_000);
    expect(parseBandwidth("100Mbps")).toBe(12_500_000);
    expect(parseBandwidth("10MB/s")).toBe(10_000_000);
    expect(parseRate("10/s")).toBe(10);
    expect(parseRate("30/m")).toBe(0.5);
  });

  it("formats micros for humans", () => {
    expect(formatMicros(1_500_000)).toBe("1.5s");
    expect(formatMicros(40_000)).toBe("40ms");
    expect(formatMicros(12)).toBe("12us");
  });
});
