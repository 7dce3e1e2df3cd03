import { createHash } from "node:crypto";
import { ApiError } from "./errors";
import type { Reply, RequestContext } from "./reply";
import type { RouteName } from "./routes";

const RETENTION_MS = 24 * 3_600_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A response as the handlers produce it, before faults and transport. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

type Entry =
  | { state: "in_flight"; fingerprint: string; expiresAt: number }
  | { state: "done"; fingerprint: string; expiresAt: number; response: StoredResponse };

export type IdempotencyBegin =
  | { kind: "new"; complete(response: StoredResponse): void; abandon(): void }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_use" }
  | { kind: "reused" };

/**
 * Idempotency keys per merchant, kept 24 h. The fingerprint is method + path + a hash of the raw body:
 * the docs speak of "the same request", and byte equality is the strictest reading a client can satisfy.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  begin(merchantId: string, key: string, method: string, path: string, rawBody: Buffer, nowMs: number): IdempotencyBegin {
    this.prune(nowMs);
    const slot = `${merchantId}\u0000${key}`;
    const fingerprint = createHash("sha256").update(`${method} ${path}\n`).update(rawBody).digest("base64url");
    const existing = this.entries.get(slot);
    if (existing && existing.expiresAt > nowMs) {
      if (existing.fingerprint !== fingerprint) return { kind: "reused" };
      if (existing.state === "in_flight") return { kind: "in_use" };
      return { kind: "replay", response: existing.response };
    }
    const entry: Entry = { state: "in_flight", fingerprint, expiresAt: nowMs + RETENTION_MS };
    this.entries.delete(slot);
    this.entries.set(slot, entry);
    return {
      kind: "new",
      complete: (response) => {
        this.entries.set(slot, { state: "done", fingerprint, expiresAt: entry.expiresAt, response });
      },
      abandon: () => {
        if (this.entries.get(slot)?.state === "in_flight") this.entries.delete(slot);
      },
    };
  }

  private prune(nowMs: number): void {
    // Insertion order equals expiry order (fixed retention), so stop at the first live entry.
    for (const [slot, entry] of this.entries) {
      if (entry.expiresAt > nowMs) break;
      this.entries.delete(slot);
    }
  }
}

/**
 * Runs a /v1 handler under POST idempotency (24 h per merchant). `Idempotency-Key` is required to create a
 * webhook and optional elsewhere. Only responses below 500 are stored: a 5xx means "try again".
 */
export async function idempotent(
  store: IdempotencyStore,
  now: () => number,
  name: RouteName,
  merchantId: string,
  ctx: RequestContext,
  perform: () => Promise<Reply>,
): Promise<Reply> {
  const key = ctx.headers["idempotency-key"];
  if (ctx.method !== "POST") return perform();
  if (key === undefined) {
    if (name === "webhooks.create") throw new ApiError(400, "missing_idempotency_key", "Idempotency-Key header is required for this request");
    return perform();
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError(400, "invalid_request", "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  const begin = store.begin(merchantId, key, ctx.method, ctx.path, ctx.rawBody, now());
  switch (begin.kind) {
    case "replay":
      return { status: begin.response.status, body: begin.response.body, headers: { "X-Idempotent-Replayed": "true" } };
    case "in_use":
      throw new ApiError(409, "idempotency_key_in_use", "a request with this Idempotency-Key is still being processed");
    case "reused":
      throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request");
  }
  try {
    const reply = await perform();
    begin.complete({ status: reply.status, body: reply.body });
    return reply;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) begin.complete({ status: err.status, body: err.envelope() });
    else begin.abandon();
    throw err;
  }
}
