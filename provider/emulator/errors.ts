/**
 * The documented error envelope, `{"error":{"message","code","details"?}}`, as a throwable value.
 * Messages are fixed strings chosen by the emulator: they never echo request input.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }

  envelope(): { error: { message: string; code: string; details?: Array<{ field: string; message: string }> } } {
    const message = this.status >= 500 ? "internal server error" : this.message;
    return { error: { message, code: this.code, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** `WWW-Authenticate: DPoP ...` challenge (RFC 9449 §7.1); quotes are stripped so values cannot break the header. */
export function dpopChallenge(error: string, description: string): Record<string, string> {
  const clean = (s: string) => s.replace(/["\\\r\n]/g, "");
  return {
    "WWW-Authenticate": `DPoP algs="ES256 EdDSA", error="${clean(error)}", error_description="${clean(description)}"`,
  };
}

export const invalidToken = (description: string): ApiError =>
  new ApiError(401, "invalid_token", description, dpopChallenge("invalid_token", description));

export const internalError = (): ApiError => new ApiError(500, "internal_error", "internal server error");
