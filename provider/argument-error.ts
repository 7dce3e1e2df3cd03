/**
 * The one error type for unusable arguments, shared by the client and the signing helpers. No imports: the
 * webhook helpers must load with Node built-ins only.
 */

/**
 * Codes of {@link AntonArgumentError}: `invalid_argument` for a bad argument to a function,
 * `invalid_configuration` for bad verifier options ({@link WebhookConfigurationError}).
 */
export type ArgumentErrorCode = "invalid_argument" | "invalid_configuration";

/**
 * A function was called with an argument it cannot use. A programming error, not a failed request or a bad
 * delivery: it is a `TypeError`, raised before any I/O. Switch on `code`; `argument` names the argument. The
 * message names the argument and the rule, never its value.
 */
export class AntonArgumentError extends TypeError {
  readonly code: ArgumentErrorCode;
  /** The argument concerned, e.g. `limit` or `secrets`. */
  readonly argument: string;

  constructor(argument: string, message: string, code: ArgumentErrorCode = "invalid_argument") {
    super(message);
    Object.defineProperty(this, "name", { value: "AntonArgumentError", enumerable: false, configurable: true, writable: true });
    this.argument = argument;
    this.code = code;
  }
}
