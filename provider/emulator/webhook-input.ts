import { isIP } from "node:net";
import { ApiError } from "./errors";
import { isLoopbackHost } from "./delivery";

/** Union of the event names the current and older Anton docs list; `*` subscribes to everything. */
export const EVENT_TYPES: ReadonlySet<string> = new Set([
  "*",
  "test",
  ...["created", "screening", "screening_failed", "approved", "processing", "sent", "completed", "failed", "cancelled", "returned"].map((e) => `payout.${e}`),
  ...["created", "updated", "deleted", "blocked"].map((e) => `beneficiary.${e}`),
  ...["created", "updated", "deleted"].map((e) => `payee.${e}`),
  ...["created", "updated", "deleted"].map((e) => `instrument.${e}`),
  ...["uploaded", "completed", "failed"].map((e) => `batch.${e}`),
  "balance.low",
  "funding.credit",
  "screening.hit",
  "compliance.screening_hit",
  "rfi.created",
  "fx.quote.created",
  ...["created", "completed", "failed"].map((e) => `fx.exchange.${e}`),
]);

const ALLOWED_FIELDS = new Set(["url", "events", "metadata"]);
const MAX_URL_LENGTH = 2048;
const MAX_METADATA_KEYS = 50;

export interface CreateWebhookInput {
  url: string;
  events: string[];
  metadata: Record<string, string>;
}

type Detail = { field: string; message: string };

/**
 * Validates a create-subscription body. Unknown fields are a 400 (the error docs: "unknown fields");
 * bad values are a 422 `validation_error` with dotted-path details. Messages never quote the input.
 */
export function parseCreateWebhook(body: unknown): CreateWebhookInput {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid_request", "request body must be a JSON object");
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).filter((k) => !ALLOWED_FIELDS.has(k));
  if (unknown.length > 0) throw new ApiError(400, "invalid_request", "request body contains unknown fields");

  const details: Detail[] = [];
  const url = checkUrl(input.url, details);
  const events = checkEvents(input.events, details);
  const metadata = checkMetadata(input.metadata, details);
  if (details.length > 0) throw new ApiError(422, "validation_error", "request validation failed", {}, details);
  return { url: url!, events: events!, metadata };
}

function checkUrl(value: unknown, details: Detail[]): string | undefined {
  if (typeof value !== "string" || value.length === 0) return void details.push({ field: "url", message: "url is required" });
  if (value.length > MAX_URL_LENGTH) return void details.push({ field: "url", message: "url is too long" });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void details.push({ field: "url", message: "url must be an absolute URL" });
  }
  if (url.username || url.password) return void details.push({ field: "url", message: "url must not contain credentials" });
  // Production accepts only https. This emulator is a development environment, where the docs allow
  // http://, and it only ever delivers to loopback, so http is accepted there and nowhere else.
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    return void details.push({ field: "url", message: "url must use https (http is allowed for loopback hosts in the emulator)" });
  }
  if (isPrivateOrLinkLocal(url.hostname)) return void details.push({ field: "url", message: "url must not point to a private or link-local address" });
  return url.href;
}

function checkEvents(value: unknown, details: Detail[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return void details.push({ field: "events", message: "events must be a non-empty array" });
  let ok = true;
  value.forEach((event, i) => {
    if (typeof event !== "string" || !EVENT_TYPES.has(event)) {
      ok = false;
      details.push({ field: `events.${i}`, message: "unknown event type" });
    }
  });
  return ok ? [...new Set(value as string[])] : undefined;
}

function checkMetadata(value: unknown, details: Detail[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    details.push({ field: "metadata", message: "metadata must be an object of strings" });
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METADATA_KEYS) details.push({ field: "metadata", message: "metadata has too many keys" });
  for (const [key, v] of entries) {
    if (typeof v !== "string" || key.length > 40 || v.length > 500) {
      details.push({ field: "metadata", message: "metadata values must be strings (keys up to 40, values up to 500 characters)" });
      break;
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function isPrivateOrLinkLocal(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 4) {
    const [a, b] = host.split(".").map(Number) as [number, number];
    return a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (isIP(host) === 6) return /^(fc|fd|fe80)/i.test(host);
  return false;
}
