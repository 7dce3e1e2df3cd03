/**
 * Scrubs secrets out of every string that may reach an error, a log line or a
 * diagnostics event. Two layers, because neither is enough alone:
 *  - live values the client knows are secret (client secret, access tokens,
 *    recent DPoP proofs, the private key's `d`), matched literally so that a
 *    server echoing them back in an error body is still caught;
 *  - shapes of secrets the client does not hold (webhook secrets, PEM blocks,
 *    JWTs, credentials after an auth scheme), matched by pattern.
 */

const REPLACEMENT = "[REDACTED]";

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REPLACEMENT],
  [/whsec_[A-Za-z0-9+/=_-]+/g, REPLACEMENT],
  [/ant_ocs_[A-Za-z0-9_]+/g, REPLACEMENT],
  // JWT / JWS compact serialisation (also catches DPoP proofs and most access tokens).
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?/g, REPLACEMENT],
  // Credentials after an auth scheme, as in an echoed Authorization header.
  [/\b(DPoP|Bearer|Basic)(?:\s+|%20|\+)[A-Za-z0-9._~+/=%-]{16,}/gi, `$1 ${REPLACEMENT}`],
  // A token in a key/value echo (`access_token":"…"`, `token=…`), e.g. a server quoting one it issued.
  [/\b((?:access_|refresh_|id_)?token["']?\s*[:=]\s*["']?)[^\s"',;&]{8,}/gi, `$1${REPLACEMENT}`],
  // A JWK private member that slipped into a string (e.g. `"d":"..."`).
  [/("d"\s*:\s*")[^"]*"/g, `$1${REPLACEMENT}"`],
];

/** Minimum length for a literal to be redacted; shorter values would shred ordinary text. */
const MIN_LITERAL = 8;
/** Bound on remembered literals so a long-lived client does not grow without limit. */
const MAX_LITERALS = 256;

export class Redactor {
  // Insertion-ordered; oldest transient values (proofs, old tokens) fall out first.
  #literals = new Set<string>();
  #pinned = new Set<string>();

  /** Remembers a value for the whole life of the client (client secret, key material). */
  pin(value: string | undefined): void {
    if (value && value.length >= MIN_LITERAL) this.#pinned.add(value);
  }

  /** Remembers a transient secret (access token, proof); old ones are forgotten eventually. */
  remember(value: string | undefined): void {
    if (!value || value.length < MIN_LITERAL) return;
    this.#literals.delete(value);
    this.#literals.add(value);
    while (this.#literals.size > MAX_LITERALS) {
      const oldest = this.#literals.values().next().value as string;
      this.#literals.delete(oldest);
    }
  }

  /** Returns `text` with every known secret and secret-shaped substring replaced. */
  redact(text: string): string {
    let out = text;
    for (const lit of [...this.#pinned, ...this.#literals]) {
      if (out.includes(lit)) out = out.split(lit).join(REPLACEMENT);
      // Servers often echo values URL- or base64-encoded (Basic auth); cover the common encodings.
      const enc = encodeURIComponent(lit);
      if (enc !== lit && out.includes(enc)) out = out.split(enc).join(REPLACEMENT);
    }
    return redactPatterns(out);
  }

  /** Deep-redacts a JSON-like value (for error `details`). */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.redact(value);
    if (depth > 6 || value === null || typeof value !== "object") {
      return typeof value === "number" || typeof value === "boolean" || value === null ? value : undefined;
    }
    if (Array.isArray(value)) return value.slice(0, 100).map((v) => this.redactValue(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, 100)) {
      out[this.redact(k)] = /^(secret|signing_secret|access_token|client_secret|d|authorization|dpop)$/i.test(k)
        ? REPLACEMENT
        : this.redactValue(v, depth + 1);
    }
    return out;
  }
}

/** Pattern-only redaction, for contexts without a client (e.g. config errors). */
export function redactPatterns(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
