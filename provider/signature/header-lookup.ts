import type { HeadersLike, WebhookHeaders } from "./types";

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
