import { timingSafeEqual } from "node:crypto";

/** Signature of `crypto.timingSafeEqual`; injectable so tests can observe every comparison. */
export type BufferEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => boolean;

const HEX = /^[0-9a-fA-F]*$/;

/**
 * Constant-time check of a received hex signature against an expected digest.
 *
 * Hex case is ignored (the bytes are compared, not the text). A candidate that is not hex or
 * has the wrong length is a plain non-match, and it still costs one `timingSafeEqual` on
 * equal-length buffers, so every candidate takes the same time whatever its shape.
 *
 * @param candidateHex - signature as received (attacker-controlled).
 * @param expected - the HMAC digest bytes.
 * @param equal - comparison primitive; defaults to `crypto.timingSafeEqual`.
 */
export function timingSafeHexEqual(candidateHex: string, expected: Uint8Array, equal: BufferEqual = timingSafeEqual): boolean {
  const wellFormed = candidateHex.length === expected.length * 2 && HEX.test(candidateHex);
  const candidate = wellFormed ? Buffer.from(candidateHex, "hex") : expected;
  const same = equal(candidate, expected);
  return wellFormed && same;
}

/**
 * Index of the first expected digest matched by any candidate, or -1.
 *
 * Every candidate is compared with every digest before deciding: stopping at the first match
 * would let response timing reveal which secret (current or previous) a forgery was tested
 * against and how many were configured.
 */
export function findMatchingSecret(
  candidates: readonly string[],
  expectedBySecret: readonly Uint8Array[],
  equal: BufferEqual = timingSafeEqual,
): number {
  let matched = -1;
  for (let index = expectedBySecret.length - 1; index >= 0; index--) {
    let hit = false;
    for (const candidate of candidates) {
      // Non-short-circuit OR: the comparison always runs.
      hit = timingSafeHexEqual(candidate, expectedBySecret[index], equal) || hit;
    }
    if (hit) matched = index;
  }
  return matched;
}
