/**
 * Failure construction: every AntonApiError a call can end with, its hint (naming the settings to check), and
 * redaction of whatever the server sent back.
 */
import { AntonApiError, type ServerState } from "./errors";
import type { TransportError } from "./http";
import type { SourcedField } from "./options";
import type { Redactor } from "./redact";
import { IN_PROGRESS_CODES } from "./retry-policy";
import { isRetryableStatus } from "./retry";

/** The request a failure is about (templated route: never an id). */
export interface FailedCall {
  method: string;
  route: string;
}

/** What hints and messages may name. */
export interface FailureContext {
  names: Readonly<Record<SourcedField, string>>;
  origin: string;
  thumbprint: string;
  redactor: Redactor;
}

const stateOf = (unknown: boolean): ServerState => (unknown ? "unknown" : "unchanged");
const after = (attempts: number) => (attempts > 1 ? ` after ${attempts} attempts` : "");

/** An HTTP error answer the call will not retry. */
export function httpFailure(
  ctx: FailureContext,
  call: FailedCall,
  res: { status: number; requestId?: string; message?: string; details?: unknown; code?: string },
  attempts: number,
  unknown: boolean,
): AntonApiError {
  const r = ctx.redactor;
  const code = res.code && /^[A-Za-z0-9_.-]{1,64}$/.test(res.code) ? res.code : `http_${res.status}`;
  const serverMessage = res.message ? `: ${r.redact(res.message).slice(0, 300)}` : "";
  return new AntonApiError({
    message: `Anton API ${call.method} ${call.route} failed${after(attempts)}: HTTP ${res.status} ${code}${serverMessage}${res.requestId ? ` [request ${res.requestId}]` : ""}`,
    code,
    status: res.status,
    requestId: res.requestId,
    retryable: isRetryableStatus(res.status) || (res.status === 409 && IN_PROGRESS_CODES.has(code)),
    serverState: stateOf(unknown),
    attempts,
    hint: hintFor(ctx, res.status, code, res.message ?? "", res.requestId),
    details: res.details === undefined ? undefined : r.redactValue(res.details),
  });
}

/** A network failure, timeout or refused certificate the call will not retry. */
export function transportFailure(ctx: FailureContext, call: FailedCall, te: TransportError, attempts: number, unknown: boolean): AntonApiError {
  const what = te.kind === "timeout" ? "timed out" : te.kind === "tls_error" ? "failed TLS verification" : "failed at the network level";
  const hint =
    te.kind === "tls_error"
      ? "the server certificate is not trusted; for a private CA set NODE_EXTRA_CA_CERTS (verification cannot be disabled)"
      : unknown
        ? "the request may have been applied; retrying with the same idempotency key is safe"
        : `check network access to ${ctx.origin}`;
  return new AntonApiError({
    message: `Anton API ${call.method} ${call.route} ${what} (${te.errorCode})${after(attempts)}`,
    code: te.kind,
    retryable: te.kind !== "tls_error",
    serverState: stateOf(unknown),
    attempts,
    hint,
    cause: { name: "TransportError", code: te.errorCode, message: te.message },
  });
}

/** A 2xx answer the client cannot use. */
export function invalidResponse(route: string, res: { status: number; requestId?: string; attempts: number }, serverState: ServerState, what: string): AntonApiError {
  return new AntonApiError({
    code: "invalid_response",
    message: `Anton API ${route} returned an unusable response (HTTP ${res.status}): ${what}.`,
    status: res.status,
    requestId: res.requestId,
    serverState,
    attempts: res.attempts,
    hint: "the endpoint may not be Anton's, or the API changed; check the apiUrl and quote the request id to Anton support",
  });
}

export function closedFailure(attempts: number, unknown: boolean): AntonApiError {
  return new AntonApiError({ code: "client_closed", message: "The Anton client was closed.", attempts, serverState: stateOf(unknown) });
}

export function abortedFailure(call: FailedCall, attempts: number, unknown: boolean): AntonApiError {
  return new AntonApiError({ message: `Anton API ${call.method} ${call.route} was aborted by the caller`, code: "aborted", serverState: stateOf(unknown), attempts });
}

/** A token-mint failure during a retry must not hide that an earlier attempt may have been applied. */
export function reframeAsUnknown(err: AntonApiError, attempts: number): AntonApiError {
  return new AntonApiError({
    message: `${err.message}; an earlier attempt may have been applied`,
    code: err.code,
    status: err.status,
    requestId: err.requestId,
    retryable: true,
    serverState: "unknown",
    attempts,
    hint: err.hint,
  });
}

/** What to do about a failed answer, naming the settings involved; undefined when there is nothing useful to say. */
export function hintFor(ctx: FailureContext, status: number | undefined, code: string | undefined, text: string, requestId?: string): string | undefined {
  const n = ctx.names;
  if (code === "invalid_client" || (status === 401 && /client/i.test(text) && !/token/i.test(text))) {
    return `check ${n.clientId} and ${n.clientSecret}; the credential may be revoked or belong to the other environment`;
  }
  if (code === "invalid_dpop_proof" || code === "invalid_dpop_key") {
    if (/regist|jkt|thumbprint|key/i.test(text)) {
      return `the DPoP key (${n.dpopPrivateKey}) must be the one registered with this credential (this key's thumbprint is ${ctx.thumbprint})`;
    }
    return `the DPoP proof was rejected; check the system clock and ${n.dpopAlg}`;
  }
  if (code === "use_dpop_nonce") {
    // Only reached when the retry with the server's fresh nonce was refused too: not a credential problem.
    return `Anton asked for a fresh DPoP nonce again right after one was used; retry${requestId ? `, and if it persists quote request id ${requestId} to Anton support` : ""}`;
  }
  if (status === 401) return `authentication failed; check ${n.clientId}, ${n.clientSecret} and ${n.dpopPrivateKey}`;
  if (status === 403) return "the credential lacks permission for this operation (role, merchant status, or a sandbox credential against production); check it in the Anton portal";
  if (status === 404) return `check the webhook id, and that ${n.apiUrl} points at the environment (sandbox vs production) where it exists`;
  if (status === 429) return `Anton's rate limit (1000 requests/min per merchant) was hit; lower ${n.maxConcurrency} or run pulumi with a lower --parallel`;
  if (status !== undefined && status >= 500) return `Anton-side failure; retry later${requestId ? ` and quote request id ${requestId} to Anton support` : ""}`;
  return undefined;
}
