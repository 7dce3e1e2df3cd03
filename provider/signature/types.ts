/**
 * Signature schemes seen in Anton's documentation.
 *
 * - `A`: `X-Webhook-Signature: v1=<hex>` plus `X-Webhook-Timestamp: <unix s>` (current docs).
 * - `B`: `Anton-Signature: t=<unix s>,v1=<hex>` (help-centre docs).
 * - `C`: `X-Anton-Signature: <hex>` over the body only, no timestamp (legacy; opt-in).
 */
export type WebhookScheme = "A" | "B" | "C";

/** Anything with a case-insensitive `get`, such as a WHATWG/undici/fetch `Headers`. */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

/**
 * Request headers as a plain object (e.g. Node's `IncomingHttpHeaders`, a Lambda event's
 * `headers`; names matched case-insensitively), a `Map`, or a WHATWG `Headers`.
 */
export type WebhookHeaders =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | ReadonlyMap<string, string | readonly string[] | undefined>
  | HeadersLike;

/** The exact bytes of the request body as received. */
export type RawBody = string | Buffer | Uint8Array | ArrayBuffer;

/** Input to `verifyWebhookSignature`. */
export interface VerifyWebhookSignatureInput {
  /**
   * The request body exactly as received: a `Buffer`/`Uint8Array`/`ArrayBuffer`, or a string that
   * is UTF-8 encoded before hashing. Never a parsed-and-re-serialized object: JSON whitespace and
   * key order are part of the signed bytes. In Express use `express.raw({ type: "application/json" })`.
   */
  readonly rawBody: RawBody;
  /** The request headers. */
  readonly headers: WebhookHeaders;
  /**
   * Accepted signing secrets, full strings including the `whsec_` prefix, used as UTF-8 HMAC keys.
   * Put the current secret first and the previous one after it during a rotation; the result's
   * `secretIndex` tells you which one matched, so you know when the old one can be removed.
   */
  readonly secrets: readonly string[];
  /** Maximum allowed distance between the signed timestamp and `now`, in either direction. Default 300. */
  readonly toleranceSeconds?: number;
  /**
   * Current time in **unix seconds** (not milliseconds), for tests or a trusted clock.
   * Defaults to `Date.now()`. Fractions are floored, because header timestamps are whole seconds.
   */
  readonly now?: number;
  /**
   * Accept the legacy `X-Anton-Signature` scheme (C). Off by default: it signs the body only,
   * with no timestamp, so a captured delivery can be replayed forever. Enable it only if a
   * sender still uses it, and deduplicate on the body's event `id` when you do. A request that
   * carries scheme A or B headers is always verified with those, never downgraded to C.
   */
  readonly allowLegacyScheme?: boolean;
}

/** A delivery whose signature verified. */
export type VerifiedWebhook =
  | {
      /** Scheme A or B: signed over `{timestamp}.{body}`. */
      readonly scheme: "A" | "B";
      /** The signed unix timestamp (seconds), within the tolerance of `now`. */
      readonly timestamp: number;
      /** Index into `secrets` of the first secret that matched a `v1` signature. */
      readonly secretIndex: number;
      /**
       * `X-Webhook-ID` when exactly one was sent. Note that this header is **not** covered by the
       * signature; for replay-safe deduplication use the `id` inside the (signed) body.
       */
      readonly eventId?: string;
    }
  | {
      /** Legacy scheme C: signed over the body only. */
      readonly scheme: "C";
      /** Scheme C carries no timestamp, so there is no replay window. */
      readonly timestamp: null;
      /** Index into `secrets` of the first secret that matched. */
      readonly secretIndex: number;
      /** `X-Webhook-ID` when exactly one was sent (unsigned; see the A/B variant). */
      readonly eventId?: string;
    };
