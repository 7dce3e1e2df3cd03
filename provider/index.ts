/**
 * pulumi-anton: Anton Payments webhook signing secrets as Pulumi infrastructure code.
 *
 * @packageDocumentation
 */
export { AntonWebhookSecret, type AntonWebhookSecretArgs } from "./resource/webhook-secret";
export { parseDuration } from "./resource/duration";

/** Package version, also sent in the client's User-Agent. */
export { CLIENT_VERSION as VERSION } from "./client";

export {
  AntonClient,
  AntonApiError,
  AntonConfigError,
  ANTON_ENVIRONMENTS,
  credentialFingerprint,
  resolveClientOptions,
  Secret,
  REQUEST_CHANNEL,
  RETRY_CHANNEL,
  TOKEN_CHANNEL,
  RATE_LIMIT_CHANNEL,
} from "./client";
export type {
  AntonClientOptions,
  RotateResult,
  RawResponse,
  Webhook,
  ServerState,
  AntonApiErrorCode,
  AntonLocalErrorCode,
  AntonConfigErrorCode,
  DpopAlg,
  OptionSource,
  SourcedField,
  ClientStats,
  RequestEvent,
  RetryEvent,
  TokenEvent,
  RateLimitEvent,
  RetryReason,
  StatusClass,
} from "./client";

// Everything `pulumi-anton/webhooks` exports, so the two entries cannot drift apart.
export * from "./signature";
