import { timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findMatchingSecret, timingSafeHexEqual, type BufferEqual } from "../../provider/signature/hmac";

const expected = Buffer.from("49815be34383d72ae905ceb3cff2353b07c637c2547cc6ff1c62d891f5f92c8d", "hex");
const hex = expected.toString("hex");

/** Wraps the real timingSafeEqual and records the length of every pair it was given. */
function recordingEqual(): { equal: BufferEqual; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    equal: (a, b) => {
      calls.push([a.byteLength, b.byteLength]);
      return timingSafeEqual(a, b);
    },
  };
}

describe("timingSafeHexEqual", () => {
  it("matches the exact digest, in either hex case", () => {
    expect(timingSafeHexEqual(hex, expected)).toBe(true);
    expect(timingSafeHexEqual(hex.toUpperCase(), expected)).toBe(true);
  });

  it.each([
    ["one byte short", hex.slice(2)],
    ["one byte long", `${hex}00`],
    ["odd length", hex.slice(1)],
    ["empty", ""],
    ["non-hex of the right length", `${hex.slice(0, 62)}zz`],
    ["last nibble flipped", `${hex.slice(0, 63)}${hex[63] === "d" ? "e" : "d"}`],
    // Buffer.from(hex, "hex") stops at the first bad pair; a naive decode would compare a prefix.
    ["valid prefix then garbage", `${hex.slice(0, 32)}${"g".repeat(32)}`],
  ])("returns false for %s", (_name, candidate) => {
    expect(timingSafeHexEqual(candidate, expected)).toBe(false);
  });

  it("always calls timingSafeEqual exactly once, on equal-length buffers, whatever the candidate", () => {
    for (const candidate of [hex, hex.slice(2), `${hex}00`, "", "zz", `${hex.slice(0, 62)}zz`, "x".repeat(10_000)]) {
      const { equal, calls } = recordingEqual();
      timingSafeHexEqual(candidate, expected, equal);
      expect(calls).toEqual([[32, 32]]);
    }
  });

  it("defaults to crypto.timingSafeEqual (which throws on unequal lengths, so none are passed)", () => {
    expect(() => timingSafeHexEqual("ab", expected)).not.toThrow();
    expect(timingSafeHexEqual("ab", expected)).toBe(false);
  });
});

describe("findMatchingSecret", () => {
  const other = Buffer.alloc(32, 7);
  const third = Buffer.alloc(32, 9);

  it("returns the lowest matching secret index, or -1", () => {
    expect(findMatchingSecret([hex], [expected, other])).toBe(0);
    expect(findMatchingSecret([hex], [other, expected])).toBe(1);
    expect(findMatchingSecret([other.toString("hex"), hex], [expected, other])).toBe(0);
    expect(findMatchingSecret(["00"], [expected, other])).toBe(-1);
  });

  it("compares every candidate with every secret, even after a match (no early exit)", () => {
    const candidates = [hex, "nothex", other.toString("hex")];
    for (const secrets of [[expected, other, third], [third, other, expected], [third, third, third]]) {
      const { equal, calls } = recordingEqual();
      findMatchingSecret(candidates, secrets, equal);
      expect(calls).toHaveLength(candidates.length * secrets.length);
      expect(calls.every(([a, b]) => a === b)).toBe(true);
    }
  });
});
