/**
 * pulumi-anton: Anton Payments webhook signing secrets as Pulumi infrastructure code.
 *
 * @packageDocumentation
 */
export { AntonWebhookSecret, type AntonWebhookSecretArgs } from "./resource/webhook-secret";
export { parseDuration } from "./resource/duration";

/** Package version, also sent in the client's User-Agent. */
export const VERSION = "0.1.0";

export {
  verifyWebhookSignature,
  safeVerifyWebhookSignature,
  signWebhookPayload,
  createSignatureHeaders,
  WebhookVerificationError,
  WebhookConfigurationError,
  DEFAULT_TOLERANCE_SECONDS,
} from "./signature";
export type {
  SafeVerifyResult,
  CreateSignatureHeadersOptions,
  WebhookVerificationErrorCode,
  WebhookVerificationErrorDetails,
  VerifyWebhookSignatureInput,
  VerifiedWebhook,
  WebhookScheme,
  WebhookHeaders,
  HeadersLike,
  RawBody,
} from "./signature";
