import { bodyOnlyDigest, findMatchingSecret, timestampedDigest } from "./hmac";
import { WebhookConfigurationError, WebhookVerificationError } from "./errors";
import { HEADER, parseSignatureHeaders, readEventId, type ParsedSignatureHeaders } from "./signature-headers";
import type { RawBody, VerifiedWebhook, VerifyWebhookSignatureInput, WebhookHeaders } from "./types";

/** Default replay window, in seconds, in both directions (Anton: "5 minutes"). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

// Unix seconds stay below 1e11 until the year 5138; anything larger is almost certainly
// Date.now() passed by mistake, which would silently disable the replay window.
const MAX_PLAUSIBLE_UNIX_SECONDS = 1e11;

/** Validated, defaulted verifier options. */
export interface VerifierOptions {
  readonly rawBody: RawBody;
  readonly headers: WebhookHeaders;
  readonly secrets: readonly string[];
  readonly toleranceSeconds: number;
  readonly now: number;
  readonly allowLegacyScheme: boolean;
}

function fail(message: string): never {
  throw new WebhookConfigurationError(message);
}

function checkSecrets(secrets: unknown): readonly string[] {
  if (!Array.isArray(secrets)) {
    fail("secrets must be an array of signing secrets, e.g. [currentSecret] or [currentSecret, previousSecret] during a rotation.");
  }
  if (secrets.length === 0) {
    fail("secrets is empty: configure at least the subscription's current signing secret (whsec_…). Check that the environment variable or secret store entry is set.");
  }
  secrets.forEach((secret: unknown, index: number) => {
    if (typeof secret !== "string") fail(`secrets[${index}] is not a string; pass each signing secret as a string.`);
    if (secret.trim().length === 0) {
      fail(`secrets[${index}] is empty; an unset environment variable is the usual cause. Remove the entry or set the secret.`);
    }
    // Trimming would change the HMAC key, so refuse rather than guess; Anton secrets contain no whitespace.
    if (secret !== secret.trim()) {
      fail(`secrets[${index}] has leading or trailing whitespace (often a newline from a file or env var); trim it before passing it.`);
    }
  });
  return secrets as readonly string[];
}

function checkBody(rawBody: unknown): RawBody {
  if (typeof rawBody === "string" || rawBody instanceof Uint8Array || rawBody instanceof ArrayBuffer) return rawBody;
  return fail(
    "rawBody must be the raw request body as a string, Buffer, Uint8Array or ArrayBuffer. A parsed JSON object cannot be verified because re-serializing changes the signed bytes; in Express use express.raw({ type: 'application/json' }).",
  );
}

function checkHeaders(headers: unknown): WebhookHeaders {
  if (typeof headers !== "object" || headers === null) {
    fail("headers must be the request headers: a plain object (e.g. req.headers), a Map, or a WHATWG Headers.");
  }
  return headers as WebhookHeaders;
}

function checkTolerance(toleranceSeconds: unknown): number {
  if (toleranceSeconds === undefined) return DEFAULT_TOLERANCE_SECONDS;
  if (typeof toleranceSeconds !== "number" || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    fail(`toleranceSeconds must be a finite number of seconds >= 0 (default ${DEFAULT_TOLERANCE_SECONDS}).`);
  }
  return toleranceSeconds;
}

function checkNow(now: unknown): number {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0) {
    fail("now must be the current time in unix seconds, e.g. Math.floor(Date.now() / 1000).");
  }
  if (now >= MAX_PLAUSIBLE_UNIX_SECONDS) {
    fail("now looks like milliseconds; pass unix seconds, e.g. Math.floor(Date.now() / 1000).");
  }
  return Math.floor(now);
}

/** Validates and defaults the verifier input; throws {@link WebhookConfigurationError}. */
export function resolveOptions(input: VerifyWebhookSignatureInput): VerifierOptions {
  if (typeof input !== "object" || input === null) {
    fail("verifyWebhookSignature expects an options object: { rawBody, headers, secrets }.");
  }
  if (input.allowLegacyScheme !== undefined && typeof input.allowLegacyScheme !== "boolean") {
    fail("allowLegacyScheme must be a boolean.");
  }
  return {
    rawBody: checkBody(input.rawBody),
    headers: checkHeaders(input.headers),
    secrets: checkSecrets(input.secrets),
    toleranceSeconds: checkTolerance(input.toleranceSeconds),
    now: checkNow(input.now),
    allowLegacyScheme: input.allowLegacyScheme === true,
  };
}

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
