/**
 * logfmt lines (`key=value ...`) that log shippers and metric extractors parse without
 * configuration. Only values the receiver chose, or that came from a verified body, are logged,
 * and even those are reduced to a safe alphabet so a payload cannot forge log lines.
 */

export type LogFields = Record<string, string | number | boolean | undefined>;

const SAFE = /[^A-Za-z0-9._:/-]/g;
const MAX_VALUE = 80;

function clean(value: string | number | boolean): string {
  return String(value).replace(SAFE, "_").slice(0, MAX_VALUE);
}

/** `anton_webhook outcome=accepted status=202 ...`; undefined fields are left out. */
export function logLine(fields: LogFields): string {
  const parts = ["anton_webhook"];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${clean(value)}`);
  }
  return parts.join(" ");
}
