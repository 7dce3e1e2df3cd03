import { findMatchingSecret } from "./compare";
import { WebhookVerificationError } from "./errors";
import { resolveOptions } from "./options";
import { bodyOnlyDigest, timestampedDigest } from "./sign";
import { HEADER, parseSignatureHeaders, readEventId, type ParsedSignatureHeaders } from "./signature-headers";
import type { VerifiedWebhook, VerifyWebhookSignatureInput } from "./types";

function signatureHeaderName(parsed: ParsedSignatureHeaders): string {
  if (parsed.scheme === "A") return HEADER.signatureA;
  return parsed.scheme === "B" ? HEADER.signatureB : HEADER.signatureC;
}

function checkWindow(timestamp: number, now: number, toleranceSeconds: number, scheme: "A" | "B"): void {
  const skewSeconds = now - timestamp;
  if (Math.abs(skewSeconds) <= toleranceSeconds) return;
  const header = scheme === "A" ? HEADER.timestampA : HEADER.signatureB;
  const direction =
    skewSeconds > 0
      ? `${skewSeconds} s old: a replayed or long-delayed delivery, or this server's clock is ahead of the sender's`
      : `${-skewSeconds} s in the future: this server's clock is behind the sender's`;
  const hint = timestamp >= 1e11 ? " The timestamp looks like milliseconds; the sender must send unix seconds." : "";
  throw new WebhookVerificationError(
    "timestamp_out_of_range",
    `The signature is valid but the signed timestamp is ${direction} (tolerance ${toleranceSeconds} s). Check NTP on this host.${hint}`,
    { header, scheme, skewSeconds },
  );
}

/**
 * Verifies an Anton webhook delivery and returns what was verified, or throws.
 *
 * Accepts scheme A (`X-Webhook-Signature` + `X-Webhook-Timestamp`) and scheme B
 * (`Anton-Signature: t=…,v1=…`), and scheme C (`X-Anton-Signature`) only with
 * `allowLegacyScheme: true`. If several are present, A wins, then B, then C; the others are
 * ignored rather than tried as fallbacks.
 *
 * Every `v1` signature is compared, in constant time, with the HMAC under every secret, so a
 * sender that signs with both the new and the old secret during a rotation, or a receiver that
 * holds both, keeps verifying across the cutover. Unknown versions (`v0=`, `v2=`) are ignored.
 *
 * The signature is checked before the timestamp, so `timestamp_out_of_range` is only reported
 * for authentic deliveries and points at a replay or clock skew, never at a bad secret.
 *
 * @param input - raw body, headers, secrets and options; see {@link VerifyWebhookSignatureInput}.
 * @returns the scheme, signed timestamp, index of the matching secret, and `X-Webhook-ID`.
 * @throws {@link WebhookVerificationError} when the delivery must be rejected.
 * @throws {@link WebhookConfigurationError} (a `TypeError`) when the options are invalid.
 *
 * @example
 * ```ts
 * app.post("/webhooks/anton", express.raw({ type: "application/json" }), (req, res) => {
 *   const result = safeVerifyWebhookSignature({
 *     rawBody: req.body,
 *     headers: req.headers,
 *     secrets: [process.env.ANTON_WEBHOOK_SECRET!, process.env.ANTON_WEBHOOK_SECRET_PREVIOUS!].filter(Boolean),
 *   });
 *   if (!result.ok) return res.status(400).send(result.error.code);
 *   metrics.increment("anton.webhook.secret_index", { index: result.secretIndex });
 *   // … process JSON.parse(req.body) …
 * });
 * ```
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): VerifiedWebhook {
  const options = resolveOptions(input);
  const parsed = parseSignatureHeaders(options.headers, options.allowLegacyScheme);

  const expected = options.secrets.map((secret) =>
    parsed.timestamp === null
      ? bodyOnlyDigest(secret, options.rawBody)
      : timestampedDigest(secret, parsed.timestamp.text, options.rawBody),
  );
  const secretIndex = findMatchingSecret(parsed.signatures, expected);
  if (secretIndex < 0) {
    const header = signatureHeaderName(parsed);
    throw new WebhookVerificationError(
      "no_matching_signature",
      `None of the ${parsed.signatures.length} v1 signature(s) in ${header} matched any of the ${options.secrets.length} configured secret(s). ` +
        "Check that the secrets belong to this subscription (current, plus previous during a rotation) and that rawBody is the exact bytes received, not re-serialized JSON.",
      { header, scheme: parsed.scheme },
    );
  }

  const eventId = readEventId(options.headers);
  if (parsed.scheme === "C") {
    return eventId === undefined ? { scheme: "C", timestamp: null, secretIndex } : { scheme: "C", timestamp: null, secretIndex, eventId };
  }
  checkWindow(parsed.timestamp.seconds, options.now, options.toleranceSeconds, parsed.scheme);
  const timestamp = parsed.timestamp.seconds;
  return eventId === undefined
    ? { scheme: parsed.scheme, timestamp, secretIndex }
    : { scheme: parsed.scheme, timestamp, secretIndex, eventId };
}

/** Result of {@link safeVerifyWebhookSignature}. */
export type SafeVerifyResult = ({ readonly ok: true } & VerifiedWebhook) | { readonly ok: false; readonly error: WebhookVerificationError };

/**
 * Non-throwing {@link verifyWebhookSignature}: returns `{ ok: true, ...verified }` or
 * `{ ok: false, error }` for a rejected delivery.
 *
 * A {@link WebhookConfigurationError} is still thrown: it is a bug in the receiver's setup, not a
 * bad request, and should not be answered as a 4xx.
 */
export function safeVerifyWebhookSignature(input: VerifyWebhookSignatureInput): SafeVerifyResult {
  try {
    return { ok: true, ...verifyWebhookSignature(input) };
  } catch (error) {
    if (error instanceof WebhookVerificationError) return { ok: false, error };
    throw error;
  }
}
