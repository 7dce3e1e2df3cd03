import { createHmac } from "node:crypto";

/** Delivery signature schemes the Anton docs describe: A = `X-Webhook-Signature` + `X-Webhook-Timestamp`, B = `Anton-Signature: t=,v1=`. */
export type SignatureScheme = "A" | "B";

/**
 * Lowercase hex HMAC-SHA256 of `{timestamp}.{body}`, keyed with the full `whsec_...` string as UTF-8
 * (the docs sign with "your webhook secret", not a decoded form of it).
 */
export function signPayload(secret: string, timestamp: number | string, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/**
 * Signature headers for one delivery. `secrets` lists the current secret first, then a rotated-out
 * secret still inside its grace period; each yields one `v1=` entry.
 */
export function signatureHeaders(scheme: SignatureScheme, secrets: string[], timestamp: number, body: string | Buffer): Record<string, string> {
  const entries = secrets.map((s) => `v1=${signPayload(s, timestamp, body)}`);
  if (scheme === "B") return { "Anton-Signature": [`t=${timestamp}`, ...entries].join(",") };
  return { "X-Webhook-Signature": entries.join(","), "X-Webhook-Timestamp": String(timestamp) };
}
