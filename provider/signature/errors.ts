import { AntonArgumentError } from "../argument-error";
import type { WebhookScheme } from "./types";

/**
 * Why a webhook delivery was rejected.
 *
 * - `missing_header`: no signature header (or a scheme A timestamp header) was sent.
 * - `duplicate_header`: a header that must appear once appeared several times
 *   (an array of values, a comma-joined value, or a repeated `t=` in `Anton-Signature`).
 * - `malformed`: a header is present but cannot be parsed (non-integer timestamp, no `v1=` entry, …).
 * - `legacy_scheme_disabled`: only the legacy `X-Anton-Signature` header was sent and
 *   `allowLegacyScheme` is not set.
 * - `no_matching_signature`: no `v1` signature matched any configured secret.
 * - `timestamp_out_of_range`: the signature is authentic but the timestamp is further than
 *   `toleranceSeconds` from now, in either direction (replay or clock skew).
 */
export type WebhookVerificationErrorCode =
  | "missing_header"
  | "duplicate_header"
  | "malformed"
  | "legacy_scheme_disabled"
  | "no_matching_signature"
  | "timestamp_out_of_range";

/** Optional, non-secret details attached to a {@link WebhookVerificationError}. */
export interface WebhookVerificationErrorDetails {
  /** Canonical name of the header the problem was found in, e.g. `X-Webhook-Timestamp`. */
  readonly header?: string;
  /** Signature scheme the request was verified under, once one was selected. */
  readonly scheme?: WebhookScheme;
  /**
   * For `timestamp_out_of_range`: `now - timestamp` in seconds. Positive means the delivery is
   * old (replay or slow queue), negative means it is dated in the future (clock skew).
   */
  readonly skewSeconds?: number;
}

/**
 * Thrown by `verifyWebhookSignature` when a delivery must be rejected (answer it with HTTP 400/401).
 *
 * The message says what to check. By construction it never contains a secret, an expected
 * signature, a received header value or the body, so it is safe to log and to send to
 * monitoring.
 */
export class WebhookVerificationError extends Error {
  /** Machine-readable reason; switch on this rather than on the message. */
  readonly code: WebhookVerificationErrorCode;
  /** Canonical name of the header concerned, when there is one. */
  readonly header?: string;
  /** Scheme in use when the check failed, when one had been selected. */
  readonly scheme?: WebhookScheme;
  /** See {@link WebhookVerificationErrorDetails.skewSeconds}. */
  readonly skewSeconds?: number;

  constructor(code: WebhookVerificationErrorCode, message: string, details: WebhookVerificationErrorDetails = {}) {
    super(message);
    this.name = "WebhookVerificationError";
    this.code = code;
    if (details.header !== undefined) this.header = details.header;
    if (details.scheme !== undefined) this.scheme = details.scheme;
    if (details.skewSeconds !== undefined) this.skewSeconds = details.skewSeconds;
  }
}

/**
 * Thrown when the verifier itself is misconfigured (no secrets, an empty secret, a parsed body
 * instead of raw bytes, `now` in milliseconds, …). This is a programming error, not a bad
 * delivery: it is a `TypeError`, it is thrown even by `safeVerifyWebhookSignature`, and it
 * should fail loudly (HTTP 500) rather than be answered as a 4xx.
 *
 * Messages name the offending option and how to fix it, never its value.
 */
export class WebhookConfigurationError extends AntonArgumentError {
  /** Always `invalid_configuration`, to tell it apart from {@link WebhookVerificationError}. */
  declare readonly code: "invalid_configuration";

  constructor(message: string) {
    super("options", message, "invalid_configuration");
    this.name = "WebhookConfigurationError";
  }
}
