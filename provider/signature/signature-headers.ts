import { WebhookVerificationError } from "./errors";
import type { HeadersLike, WebhookHeaders, WebhookScheme } from "./types";

function isHeadersLike(headers: unknown): headers is HeadersLike {
  return typeof (headers as { get?: unknown }).get === "function" && !(headers instanceof Map);
}

function pushValue(out: string[], value: unknown): void {
  if (typeof value === "string") {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "string") out.push(item);
  }
}

/**
 * Returns every field line sent for `name` (case-insensitive), trimmed, with empty lines dropped.
 *
 * A result of length > 1 means the header was repeated: as an array value, or as several keys
 * differing only in case in a plain object. Comma-joined repeats (what Node's `req.headers` and
 * WHATWG `Headers.get` produce) arrive as one line; the scheme parsers detect those.
 */
export function readHeaderLines(headers: WebhookHeaders, name: string): string[] {
  const wanted = name.toLowerCase();
  const raw: string[] = [];
  if (isHeadersLike(headers)) {
    pushValue(raw, headers.get(name));
  } else if (headers instanceof Map) {
    for (const [key, value] of headers) {
      if (typeof key === "string" && key.toLowerCase() === wanted) pushValue(raw, value);
    }
  } else {
    // Own keys only: never consult the prototype chain for attacker-named headers.
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === wanted) pushValue(raw, (headers as Record<string, unknown>)[key]);
    }
  }
  return raw.map((line) => line.trim()).filter((line) => line.length > 0);
}

/** Canonical header names, as documented by Anton. */
export const HEADER = {
  signatureA: "X-Webhook-Signature",
  timestampA: "X-Webhook-Timestamp",
  signatureB: "Anton-Signature",
  signatureC: "X-Anton-Signature",
  eventId: "X-Webhook-ID",
} as const;

/**
 * Upper bound on `v1` entries per request. Senders sign with at most a few secrets at once;
 * the cap keeps the work per request bounded whatever the server's header size limit is.
 */
export const MAX_SIGNATURES = 32;

/** A signed timestamp: `text` is the exact header text that was signed, `seconds` its value. */
export interface SignedTimestamp {
  readonly text: string;
  readonly seconds: number;
}

/** Signature material extracted from the headers, before any cryptography. */
export type ParsedSignatureHeaders =
  | { readonly scheme: "A" | "B"; readonly timestamp: SignedTimestamp; readonly signatures: readonly string[] }
  | { readonly scheme: "C"; readonly timestamp: null; readonly signatures: readonly string[] };

// 15 digits is ~31 million years of unix seconds while staying exact as a double.
const TIMESTAMP = /^\d{1,15}$/;

interface Pair {
  readonly key: string;
  readonly value: string;
}

// Entries are separated by commas and/or whitespace: `v1=aa,v1=bb`, `v1=aa v1=bb`, or
// `v1=aa, v1=bb` (what repeated header lines look like once joined, per RFC 9110 §5.3).
function splitPairs(lines: readonly string[]): Pair[] {
  const pairs: Pair[] = [];
  for (const token of lines.join(",").split(/[\s,]+/)) {
    const eq = token.indexOf("=");
    // A token without "=" is not a versioned entry; like unknown versions it is ignored.
    if (eq > 0) pairs.push({ key: token.slice(0, eq).toLowerCase(), value: token.slice(eq + 1) });
  }
  return pairs;
}

function parseTimestamp(text: string, header: string, scheme: WebhookScheme): SignedTimestamp {
  if (!TIMESTAMP.test(text)) {
    throw new WebhookVerificationError(
      "malformed",
      `${header} timestamp is not a whole number of unix seconds; the sender must send digits only (no sign, decimals or exponent).`,
      { header, scheme },
    );
  }
  return { text, seconds: Number(text) };
}

function v1Signatures(pairs: readonly Pair[], header: string, scheme: WebhookScheme): string[] {
  const signatures = pairs.filter((pair) => pair.key === "v1").map((pair) => pair.value);
  if (signatures.length === 0) {
    throw new WebhookVerificationError(
      "malformed",
      `${header} contains no v1=<hex> signature (other versions are ignored); check that the sender signs with HMAC-SHA256 v1.`,
      { header, scheme },
    );
  }
  if (signatures.length > MAX_SIGNATURES) {
    throw new WebhookVerificationError(
      "malformed",
      `${header} contains ${signatures.length} v1 signatures; at most ${MAX_SIGNATURES} are accepted.`,
      { header, scheme },
    );
  }
  return signatures;
}

function duplicate(header: string, scheme?: WebhookScheme): WebhookVerificationError {
  return new WebhookVerificationError(
    "duplicate_header",
    `${header} was sent more than once; it must appear exactly once. Check for a proxy or middleware that adds or repeats it.`,
    { header, scheme },
  );
}

function parseSchemeA(signatureLines: readonly string[], timestampLines: readonly string[]): ParsedSignatureHeaders {
  if (timestampLines.length === 0) {
    throw new WebhookVerificationError(
      "missing_header",
      `${HEADER.signatureA} was sent without ${HEADER.timestampA}; both are required, and the timestamp is part of the signed string.`,
      { header: HEADER.timestampA, scheme: "A" },
    );
  }
  // A single timestamp never contains a comma, so one means repeated header lines were joined.
  if (timestampLines.length > 1 || timestampLines[0].includes(",")) throw duplicate(HEADER.timestampA, "A");
  const timestamp = parseTimestamp(timestampLines[0], HEADER.timestampA, "A");
  return { scheme: "A", timestamp, signatures: v1Signatures(splitPairs(signatureLines), HEADER.signatureA, "A") };
}

function parseSchemeB(lines: readonly string[]): ParsedSignatureHeaders {
  const pairs = splitPairs(lines);
  const stamps = pairs.filter((pair) => pair.key === "t");
  if (stamps.length === 0) {
    throw new WebhookVerificationError(
      "malformed",
      `${HEADER.signatureB} has no t=<unix seconds> entry; the expected format is t=<unix>,v1=<hex>.`,
      { header: HEADER.signatureB, scheme: "B" },
    );
  }
  // Two t= entries means two header lines were joined (or a forged prefix); never pick one.
  if (stamps.length > 1) throw duplicate(HEADER.signatureB, "B");
  const timestamp = parseTimestamp(stamps[0].value, HEADER.signatureB, "B");
  return { scheme: "B", timestamp, signatures: v1Signatures(pairs, HEADER.signatureB, "B") };
}

function parseSchemeC(lines: readonly string[]): ParsedSignatureHeaders {
  if (lines.length > 1 || /[\s,]/.test(lines[0])) throw duplicate(HEADER.signatureC, "C");
  return { scheme: "C", timestamp: null, signatures: [lines[0]] };
}

/**
 * Chooses the scheme from the headers present and extracts its timestamp and signatures.
 *
 * Precedence is A, then B, then (only if allowed) C, decided by which signature header is
 * present. A request carrying several is verified with the highest-precedence one only: there is
 * no fallback, so a broken A header is reported rather than masked by a B header, and a request
 * carrying A or B is never downgraded to the replayable scheme C.
 */
export function parseSignatureHeaders(headers: WebhookHeaders, allowLegacyScheme: boolean): ParsedSignatureHeaders {
  const signatureA = readHeaderLines(headers, HEADER.signatureA);
  if (signatureA.length > 0) return parseSchemeA(signatureA, readHeaderLines(headers, HEADER.timestampA));

  const signatureB = readHeaderLines(headers, HEADER.signatureB);
  if (signatureB.length > 0) return parseSchemeB(signatureB);

  const signatureC = readHeaderLines(headers, HEADER.signatureC);
  if (signatureC.length > 0) {
    if (allowLegacyScheme) return parseSchemeC(signatureC);
    throw new WebhookVerificationError(
      "legacy_scheme_disabled",
      `Only the legacy ${HEADER.signatureC} header was sent. That scheme has no timestamp and no replay protection, so it is rejected unless allowLegacyScheme: true is set; prefer moving the sender to ${HEADER.signatureA}.`,
      { header: HEADER.signatureC, scheme: "C" },
    );
  }

  if (readHeaderLines(headers, HEADER.timestampA).length > 0) {
    throw new WebhookVerificationError(
      "missing_header",
      `${HEADER.timestampA} was sent without ${HEADER.signatureA}; check that no proxy strips the signature header.`,
      { header: HEADER.signatureA, scheme: "A" },
    );
  }
  throw new WebhookVerificationError(
    "missing_header",
    `No webhook signature header found; expected ${HEADER.signatureA} with ${HEADER.timestampA}, or ${HEADER.signatureB}. Check that the request comes from Anton and that no proxy strips these headers.`,
    { header: HEADER.signatureA },
  );
}

/** `X-Webhook-ID` when exactly one non-empty value was sent; otherwise `undefined`. */
export function readEventId(headers: WebhookHeaders): string | undefined {
  const lines = readHeaderLines(headers, HEADER.eventId);
  return lines.length === 1 && !lines[0].includes(",") ? lines[0] : undefined;
}
