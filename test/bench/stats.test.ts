/** The benchmark's own arithmetic: the rate-limit minimum and the table. */
import { describe, expect, it } from "vitest";
import { formatTable, mark } from "./report";
import { median, rollingWindowMinimumMs } from "./stats";

describe("rollingWindowMinimumMs", () => {
  it("500 requests at 100 per 10 s need 4 full windows after the first request", () => {
    expect(rollingWindowMinimumMs(500, 100, 10_000)).toBe(40_000);
  });
  it("a request count that fits one window needs no wait; one more needs a window", () => {
    expect(rollingWindowMinimumMs(100, 100, 10_000)).toBe(0);
    expect(rollingWindowMinimumMs(101, 100, 10_000)).toBe(10_000);
    expect(rollingWindowMinimumMs(0, 100, 10_000)).toBe(0);
  });
});

describe("report helpers", () => {
  it("median of odd and even samples", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it("marks pass, short and informational rows, in aligned columns", () => {
    expect([mark(true), mark(false), mark(undefined)]).toEqual(["pass", "SHORT", "info"]);
    const lines = formatTable([
      { figure: "a", measured: "1", target: "≤ 2", pass: true },
      { figure: "longer figure", measured: "3", target: "≤ 2", pass: false },
    ]).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^a +\| 1 +\| ≤ 2 +\| pass$/);
    expect(lines[3]).toMatch(/^longer figure \| 3 +\| ≤ 2 +\| SHORT$/);
  });
});
