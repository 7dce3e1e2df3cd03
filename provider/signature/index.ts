/**
 * Receiver-side verification of Anton webhook signatures, with multi-secret support for
 * rotations. Depends on `node:crypto` only.
 *
 * @packageDocumentation
 */
export { verifyWebhookSignature, safeVerifyWebhookSignature, type SafeVerifyResult } from "./verify";
export { signWebhookPayload, createSignatureHeaders, type CreateSignatureHeadersOptions } from "./sign";
export {
  WebhookVerificationError,
  WebhookConfigurationError,
  type WebhookVerificationErrorCode,
  type WebhookVerificationErrorDetails,
} from "./errors";
export { DEFAULT_TOLERANCE_SECONDS } from "./options";
export { AntonArgumentError, type ArgumentErrorCode } from "../argument-error";
export type {
  VerifyWebhookSignatureInput,
  VerifiedWebhook,
  WebhookScheme,
  WebhookHeaders,
  HeadersLike,
  RawBody,
} from "./types";
