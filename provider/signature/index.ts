/**
 * `pulumi-anton/webhooks`: receiver-side verification of Anton webhook signatures, with multi-secret
 * support for rotations, and the sender-side helpers to sign test deliveries. Loads Node built-ins only
 * (`node:crypto`, at the first signature computed), so a receiver that imports this entry instead of the
 * package root loads neither `@pulumi/pulumi` nor the API client. The package root exports the same names.
 *
 * @packageDocumentation
 */
export { verifyWebhookSignature, safeVerifyWebhookSignature, DEFAULT_TOLERANCE_SECONDS, type SafeVerifyResult } from "./verify";
export { signWebhookPayload, createSignatureHeaders, type CreateSignatureHeadersOptions } from "./hmac";
export {
  WebhookVerificationError,
  WebhookConfigurationError,
  type WebhookVerificationErrorCode,
  type WebhookVerificationErrorDetails,
} from "./errors";
export { AntonArgumentError, type ArgumentErrorCode } from "../argument-error";
export type {
  VerifyWebhookSignatureInput,
  VerifiedWebhook,
  WebhookScheme,
  WebhookHeaders,
  HeadersLike,
  RawBody,
} from "./types";
