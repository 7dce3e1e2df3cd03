import { WebhookConfigurationError } from "./errors";
import type { RawBody, VerifyWebhookSignatureInput, WebhookHeaders } from "./types";

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
