import { ApiError } from "./errors";
import { deliverTestEvent, isLoopbackHost } from "./delivery";
import { parseCreateWebhook } from "./webhook-input";
import { toJson, type WebhookStore } from "./webhook-store";
import type { RouteName } from "./routes";
import type { Reply, RequestContext } from "./reply";
import type { SignatureScheme } from "./signing";

const ID_PATTERN = /^wbh_[A-Za-z0-9]+$/;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export interface WebhookRouteDeps {
  store: WebhookStore;
  now: () => number;
  graceSeconds: () => number;
  signatureScheme: SignatureScheme;
  /** Aborted on close, so a pending test delivery does not outlive the emulator. */
  signal: AbortSignal;
}

/** Handlers for /v1/webhooks. Authentication, rate limits and idempotency are done by the caller. */
export function webhookRoutes(deps: WebhookRouteDeps) {
  const { store } = deps;

  const owned = (id: string | undefined, merchantId: string) => {
    // Never echo the id: it is caller input and may be anything.
    if (!id || id.length > 64 || !ID_PATTERN.test(id)) throw new ApiError(400, "invalid_request", "webhook id is malformed");
    const record = store.owned(id, merchantId);
    if (!record) throw new ApiError(404, "not_found", "webhook not found");
    return record;
  };

  const handlers: Record<Exclude<RouteName, "token" | "jwks">, (merchantId: string, id: string | undefined, ctx: RequestContext) => Promise<Reply> | Reply> = {
    "webhooks.create": (merchantId, _id, ctx) => {
      const input = parseCreateWebhook(jsonBody(ctx, true));
      const record = store.create(merchantId, input, deps.now());
      return { status: 201, body: { ...toJson(record), secret: record.secret } };
    },
    "webhooks.list": (merchantId, _id, ctx) => {
      const limit = parseLimit(ctx.query.get("limit"));
      const afterSeq = parseCursor(ctx.query.get("cursor"));
      const { items, hasMore } = store.page(merchantId, afterSeq, limit);
      const last = items[items.length - 1];
      return {
        status: 200,
        body: { data: items.map(toJson), has_more: hasMore, ...(hasMore && last ? { next_cursor: encodeCursor(last.seq) } : {}) },
      };
    },
    "webhooks.get": (merchantId, id) => ({ status: 200, body: toJson(owned(id, merchantId)) }),
    "webhooks.delete": (merchantId, id) => {
      store.delete(owned(id, merchantId).id);
      return { status: 204 };
    },
    "webhooks.secret": (merchantId, id) => ({ status: 200, body: { secret: owned(id, merchantId).secret } }),
    "webhooks.rotate": (merchantId, id, ctx) => {
      const record = owned(id, merchantId);
      emptyObjectBody(ctx);
      return { status: 200, body: { secret: store.rotate(record.id, deps.graceSeconds(), deps.now()) } };
    },
    "webhooks.test": async (merchantId, id, ctx) => {
      const record = owned(id, merchantId);
      emptyObjectBody(ctx);
      const url = new URL(record.url);
      if (!isLoopbackHost(url.hostname)) {
        throw new ApiError(422, "validation_error", "the emulator only delivers to loopback URLs", {}, [
          { field: "url", message: "test deliveries from the emulator never leave this machine" },
        ]);
      }
      const nowMs = deps.now();
      const result = await deliverTestEvent({
        url: record.url,
        webhookId: record.id,
        secrets: store.signingSecrets(record, nowMs),
        scheme: deps.signatureScheme,
        nowMs,
        signal: deps.signal,
      });
      return { status: 200, body: result };
    },
  };

  return (name: RouteName, merchantId: string, id: string | undefined, ctx: RequestContext): Promise<Reply> => {
    const handler = handlers[name as keyof typeof handlers];
    if (!handler) return Promise.reject(new ApiError(404, "not_found", "no such route"));
    return Promise.resolve().then(() => handler(merchantId, id, ctx));
  };
}

function jsonBody(ctx: RequestContext, required: boolean): unknown {
  if (ctx.rawBody.length === 0) {
    if (required) throw new ApiError(400, "invalid_request", "request body is required");
    return undefined;
  }
  const type = (ctx.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  try {
    return JSON.parse(ctx.rawBody.toString("utf8"));
  } catch {
    throw new ApiError(400, "invalid_request", "request body is not valid JSON");
  }
}

/** Rotate and test take no parameters: an empty body or `{}` only (the error docs: unknown fields are a 400). */
function emptyObjectBody(ctx: RequestContext): void {
  const body = jsonBody(ctx, false);
  if (body === undefined) return;
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).length > 0) {
    throw new ApiError(400, "invalid_request", "this request takes no body parameters");
  }
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new ApiError(400, "invalid_request", "limit must be an integer from 1 to 100", {}, [{ field: "limit", message: "must be 1-100" }]);
  }
  return limit;
}

/** Cursors are opaque to clients; inside they name a position in creation order, so they never expire. */
function encodeCursor(seq: number): string {
  return Buffer.from(`wbh:${seq}`).toString("base64url");
}

function parseCursor(raw: string | null): number {
  if (raw === null) return 0;
  const match = /^wbh:(\d{1,15})$/.exec(Buffer.from(raw, "base64url").toString("utf8"));
  if (!match || raw.length > 64) throw new ApiError(400, "invalid_request", "cursor is invalid");
  return Number(match[1]);
}
