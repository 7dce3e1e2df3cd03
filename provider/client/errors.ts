/**
 * Error types thrown by the Anton client, and parsing of the (several) error
 * envelopes the Anton docs describe.
 */

/** Whether a mutating request may have taken effect on the server. */
export type ServerState = "unchanged" | "unknown";

/** Codes the client assigns itself: no answer, an unusable one, an answer without a code, or a refused argument. */
export type AntonLocalErrorCode =
  | "network_error"
  | "timeout"
  | "tls_error"
  | "invalid_response"
  | "invalid_webhook_id"
  | "invalid_idempotency_key"
  | "aborted"
  | "client_closed"
  | `http_${number}`;

/** {@link AntonApiError.code}: a local code, or Anton's own snake_case code (open-ended: the server may add codes). */
export type AntonApiErrorCode = AntonLocalErrorCode | (string & {});

/** {@link AntonConfigError.code}. */
export type AntonConfigErrorCode = "invalid_config" | "missing_config";

/** Fields accepted by the {@link AntonApiError} constructor. */
export interface AntonApiErrorInit {
  message: string;
  code: AntonApiErrorCode;
  status?: number;
  requestId?: string;
  retryable?: boolean;
  serverState?: ServerState;
  attempts?: number;
  hint?: string;
  details?: unknown;
  /** A sanitised summary of the underlying failure (never a raw transport error). */
  cause?: { name: string; code?: string; message: string };
}

/**
 * A failed call to the Anton API (HTTP error, network failure, timeout or an
 * unusable response). Every string on it has been passed through the client's
 * redactor: it never carries a token, client secret, DPoP proof, private key
 * or webhook secret, even when the server echoed one back.
 */
export class AntonApiError extends Error {
  declare readonly name: "AntonApiError";
  /** HTTP status; undefined for network errors and local validation errors. */
  readonly status?: number;
  /** Server error code (snake_case) or a local one: `network_error`, `timeout`, `tls_error`, `invalid_response`, `invalid_webhook_id`, `invalid_idempotency_key`, `aborted`, `client_closed`. */
  readonly code: AntonApiErrorCode;
  /** The `X-Request-ID` of the last response, to quote to Anton support. */
  readonly requestId?: string;
  /** Whether retrying later could succeed (the client already retried within its budget). */
  readonly retryable: boolean;
  /** For mutating calls: `unknown` when a request may have been applied but no response confirmed it. Reads: always `unchanged`. */
  readonly serverState: ServerState;
  /** HTTP attempts made for this logical call (0 when rejected before any request). */
  readonly attempts: number;
  /**
   * What to do about it, naming the configuration keys involved. Not part of `message`, which says only what
   * happened: show both where a person reads the error (the provider adds it to what Pulumi prints).
   */
  readonly hint?: string;
  /** Redacted `error.details` from the server (e.g. validation errors), when present. */
  readonly details?: unknown;

  constructor(init: AntonApiErrorInit) {
    super(init.message, init.cause ? { cause: init.cause } : undefined);
    Object.defineProperty(this, "name", { value: "AntonApiError", enumerable: false, configurable: true, writable: false });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.serverState = init.serverState ?? "unchanged";
    this.attempts = init.attempts ?? 0;
    this.hint = init.hint;
    if (init.details !== undefined) this.details = init.details;
  }

  /** A plain, log-safe representation (the message and fields are already redacted). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      status: this.status,
      requestId: this.requestId,
      retryable: this.retryable,
      serverState: this.serverState,
      attempts: this.attempts,
      hint: this.hint,
      details: this.details,
    };
  }
}

/**
 * Invalid or missing client configuration, detected synchronously at
 * construction. `field` is the name the user knows the setting by (e.g.
 * `anton:clientSecret (or ANTON_CLIENT_SECRET)`). Never contains key material.
 */
export class AntonConfigError extends Error {
  declare readonly name: "AntonConfigError";
  /** The offending setting, as named by `sources` (default: the option name). */
  readonly field: string;
  /** `missing_config` when the setting is absent or blank, otherwise `invalid_config`. */
  readonly code: AntonConfigErrorCode;

  constructor(field: string, code: AntonConfigErrorCode, message: string) {
    super(message);
    Object.defineProperty(this, "name", { value: "AntonConfigError", enumerable: false, configurable: true, writable: false });
    this.field = field;
    this.code = code;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, field: this.field, code: this.code };
  }
}

/** The parts of an Anton error body the client uses. */
export interface ParsedErrorBody {
  code?: string;
  message?: string;
  details?: unknown;
}

/**
 * Parses the three error shapes in the Anton docs:
 * `{"error":{"message","code","details"}}` (current, string code),
 * `{"error":{"code":401,"message"}}` (older, integer code) and
 * `{"error":"bad_request","message"}` (flat). Also reads OAuth 2.0
 * `{"error","error_description"}` from the token endpoint.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  if (!body || typeof body !== "object") return {};
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (e && typeof e === "object" && !Array.isArray(e)) {
    const eo = e as Record<string, unknown>;
    return {
      // The integer variant carries the HTTP status as its code; it adds nothing, so drop it.
      code: typeof eo.code === "string" ? eo.code : typeof eo.type === "string" ? eo.type : undefined,
      message: typeof eo.message === "string" ? eo.message : undefined,
      details: eo.details,
    };
  }
  if (typeof e === "string") {
    const message =
      typeof b.message === "string" ? b.message : typeof b.error_description === "string" ? b.error_description : undefined;
    return { code: e, message, details: b.details };
  }
  return {};
}

/** Parses `WWW-Authenticate: DPoP error="...", error_description="..."`. */
export function parseWwwAuthenticate(header: string | undefined): { error?: string; description?: string } {
  if (!header) return {};
  const error = /\berror="([^"]*)"/i.exec(header)?.[1];
  const description = /\berror_description="([^"]*)"/i.exec(header)?.[1];
  return { error, description };
}
