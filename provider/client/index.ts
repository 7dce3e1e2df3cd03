/**
 * Anton API client: OAuth 2.0 client_credentials + DPoP (RFC 9449).
 * @packageDocumentation
 */
export { AntonClient, type RawResponse, type RotateResult, type Webhook } from "./client";
export { AntonApiError, AntonConfigError, type ServerState, type AntonApiErrorCode, type AntonLocalErrorCode, type AntonConfigErrorCode } from "./errors";
export { ANTON_ENVIRONMENTS, credentialFingerprint, type AntonClientOptions, type SourcedField } from "./options";
export { resolveClientOptions, type OptionSource } from "./resolve";
export type { DpopAlg } from "./keys";
export {
  REQUEST_CHANNEL,
  RETRY_CHANNEL,
  TOKEN_CHANNEL,
  RATE_LIMIT_CHANNEL,
  type ClientStats,
  type RequestEvent,
  type RetryEvent,
  type TokenEvent,
  type RateLimitEvent,
  type RetryReason,
  type StatusClass,
} from "./monitoring";
export { CLIENT_VERSION } from "./version";
export { Secret } from "./secret";
