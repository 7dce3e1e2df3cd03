/**
 * Anton's `v1` webhook signatures: computing them (HMAC-SHA256, as a sender does) and comparing them in
 * constant time (as a receiver does).
 *
 * `node:crypto` is loaded on the first digest or comparison rather than at import: loading it costs a
 * cold process several milliseconds, most of what importing `pulumi-anton/webhooks` would otherwise
 * cost, and a receiver (often serverless) pays for it only once it verifies a delivery.
 */
import { AntonArgumentError } from "../argument-error";
import type { RawBody } from "./types";

type NodeCrypto = typeof import("node:crypto");

let loaded: NodeCrypto | undefined;
const nodeCrypto = (): NodeCrypto => (loaded ??= process.getBuiltinModule("node:crypto"));

function bodyBytes(body: RawBody): string | Uint8Array {
  return body instanceof ArrayBuffer ? new Uint8Array(body) : body;
}

/** HMAC-SHA256 of `{timestamp}.{body}` (schemes A and B), as raw digest bytes. */
export function timestampedDigest(secret: string, timestamp: string, body: RawBody): Buffer {
  // Fed in two updates so a large body is never copied into a concatenated buffer.
  return nodeCrypto().createHmac("sha256", secret).update(`${timestamp}.`, "utf8").update(bodyBytes(body)).digest();
}

/** HMAC-SHA256 of the body alone (legacy scheme C), as raw digest bytes. */
export function bodyOnlyDigest(secret: string, body: RawBody): Buffer {
  return nodeCrypto().createHmac("sha256", secret).update(bodyBytes(body)).digest();
}

/**
 * Computes the `v1` signature Anton sends for a delivery (schemes A and B):
 * lowercase hex HMAC-SHA256, keyed with the full secret string (UTF-8, including `whsec_`),
 * over `{timestamp}.{body}`. String bodies are UTF-8 encoded.
 *
 * Intended for tests, including your own: sign a fixture, then feed it to
 * `verifyWebhookSignature`.
 *
 * @param secret - the full signing secret, e.g. `whsec_…`.
 * @param timestamp - unix seconds, exactly as it will appear in the header.
 * @param body - the exact body bytes that will be sent.
 * @returns 64 lowercase hex characters.
 */
export function signWebhookPayload(secret: string, timestamp: number | string, body: RawBody): string {
  if (typeof secret !== "string" || secret.length === 0) {
    throw new AntonArgumentError("secret", "signWebhookPayload: secret must be a non-empty string (the full whsec_… value).");
  }
  const text = String(timestamp);
  if (!/^\d{1,15}$/.test(text)) {
    throw new AntonArgumentError("timestamp", "signWebhookPayload: timestamp must be a non-negative whole number of unix seconds.");
  }
  return timestampedDigest(secret, text, body).toString("hex");
}

/** Options for {@link createSignatureHeaders}. */
export interface CreateSignatureHeadersOptions {
  /** Secrets to sign with; one `v1` entry per secret, in order (as a sender does mid-rotation). */
  readonly secrets: readonly string[];
  /** The exact body that will be sent. */
  readonly body: RawBody;
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number;
  /** Header format to produce; defaults to `A`. */
  readonly scheme?: "A" | "B";
  /** Adds `X-Webhook-ID` (scheme A only). */
  readonly eventId?: string;
}

/**
 * Builds the headers a sender would attach to a delivery, for tests and local emulators.
 *
 * Scheme A: `X-Webhook-Signature: v1=<hex>[,v1=<hex>…]` and `X-Webhook-Timestamp`.
 * Scheme B: `Anton-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]`.
 */
export function createSignatureHeaders(options: CreateSignatureHeadersOptions): Record<string, string> {
  if (!Array.isArray(options.secrets) || options.secrets.length === 0) {
    throw new AntonArgumentError("secrets", "createSignatureHeaders: secrets must be a non-empty array of secret strings.");
  }
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const entries = options.secrets.map((secret) => `v1=${signWebhookPayload(secret, timestamp, options.body)}`).join(",");
  if (options.scheme === "B") return { "Anton-Signature": `t=${timestamp},${entries}` };
  const headers: Record<string, string> = {
    "X-Webhook-Signature": entries,
    "X-Webhook-Timestamp": String(timestamp),
  };
  if (options.eventId !== undefined) headers["X-Webhook-ID"] = options.eventId;
  return headers;
}

/** Signature of `crypto.timingSafeEqual`; injectable so tests can observe every comparison. */
export type BufferEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => boolean;

const timingSafeEqual: BufferEqual = (a, b) => nodeCrypto().timingSafeEqual(a, b);

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
