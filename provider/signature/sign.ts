import { createHmac } from "node:crypto";
import { AntonArgumentError } from "../argument-error";
import type { RawBody } from "./types";

function bodyBytes(body: RawBody): string | Uint8Array {
  return body instanceof ArrayBuffer ? new Uint8Array(body) : body;
}

/** HMAC-SHA256 of `{timestamp}.{body}` (schemes A and B), as raw digest bytes. */
export function timestampedDigest(secret: string, timestamp: string, body: RawBody): Buffer {
  // Fed in two updates so a large body is never copied into a concatenated buffer.
  return createHmac("sha256", secret).update(`${timestamp}.`, "utf8").update(bodyBytes(body)).digest();
}

/** HMAC-SHA256 of the body alone (legacy scheme C), as raw digest bytes. */
export function bodyOnlyDigest(secret: string, body: RawBody): Buffer {
  return createHmac("sha256", secret).update(bodyBytes(body)).digest();
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
