/**
 * AntonClient: OAuth 2.0 client_credentials with DPoP-bound tokens (RFC 9449),
 * retries with fresh proofs, and responses validated before they are trusted.
 * The parts: the DPoP session (./session), the attempt loop (./call), the retry
 * policy (./retry-policy) and failure construction (./failures).
 */
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { runCall, mintToken, type CallDeps, type CallResult, type CallSpec } from "./call";
import { AntonArgumentError } from "../argument-error";
import { AntonApiError, type ServerState } from "./errors";
import { invalidResponse } from "./failures";
import { HttpTransport } from "./http";
import { Monitor, type ClientStats } from "./monitoring";
import { validateOptions, type AntonClientOptions, type ResolvedOptions } from "./options";
import { RatePacer } from "./rate-pacer";
import { Redactor } from "./redact";
import { resolveClientOptions } from "./resolve";
import { DpopSession } from "./session";
import { toWebhook, unwrap } from "./responses";
import { isWebhookId, WEBHOOK_ID_MAX_BODY } from "./webhook-id";

export type { Webhook } from "./responses";
import type { Webhook } from "./responses";

/** Result of {@link AntonClient.request}. */
export interface RawResponse {
  status: number;
  /** The parsed JSON body (undefined when empty). May hold secrets. */
  json: unknown;
  requestId?: string;
  /** HTTP attempts made (excluding token mints). */
  attempts: number;
  /** The Idempotency-Key a POST carried. */
  idempotencyKey?: string;
}

/** Result of {@link AntonClient.rotateWebhookSecret}. */
export interface RotateResult {
  /** The new signing secret. Treat as a secret (e.g. wrap in pulumi.secret). */
  secret: string;
  /** The Idempotency-Key used; retrying with it returns the same secret instead of rotating again. */
  idempotencyKey: string;
  /** True when the server answered with a stored earlier response (`X-Idempotent-Replayed: true`). */
  replayed: boolean;
  requestId?: string;
  /** HTTP attempts made for this rotation (excluding token mints). */
  attempts: number;
}

/** Idempotency keys: 1..255 visible ASCII (Anton documents ≤255 chars). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Paths {@link AntonClient.request} accepts: /v1 routes, unreserved path and query characters, no dot segments. */
const API_PATH = /^\/v1\/[A-Za-z0-9\-._~/%]*(\?[A-Za-z0-9\-._~%=&+]*)?$/;
const DOT_SEGMENT = /(^|\/)\.{1,2}(\/|\?|$)/;
const MAX_PAGES = 10_000;

/**
 * Client for the Anton Payments API. Construction validates everything
 * synchronously and performs no I/O; the access token is minted on first use
 * and shared by concurrent calls. Safe to log: `util.inspect` and
 * `JSON.stringify` show only apiUrl, clientId, alg and key thumbprint.
 */
export class AntonClient {
  readonly #o: ResolvedOptions;
  readonly #transport: HttpTransport;
  readonly #session: DpopSession;
  readonly #redactor = new Redactor();
  readonly #monitor = new Monitor();
  readonly #pacer: RatePacer;
  readonly #deps: CallDeps;
  #closed = false;
  /** Aborted by close(): ends waits at once, so a closed client holds no timer. */
  readonly #closing = new AbortController();

  /** Validates options (throws {@link AntonConfigError}); never does I/O. */
  constructor(options: AntonClientOptions) {
    const o = (this.#o = validateOptions(options));
    this.#transport = new HttpTransport({ origin: o.origin, timeouts: o.timeouts, maxConcurrency: o.maxConcurrency, userAgent: o.userAgent, dispatcher: o.dispatcher });
    this.#session = new DpopSession({ ...o, redactor: this.#redactor, mint: () => mintToken(this.#deps) });
    this.#pacer = new RatePacer(o.now, o.sleep, () => this.#session.clockOffsetMs);
    this.#deps = {
      o,
      transport: this.#transport,
      session: this.#session,
      pacer: this.#pacer,
      monitor: this.#monitor,
      failures: { names: o.names, origin: o.origin, thumbprint: o.key.thumbprint, redactor: this.#redactor },
      closing: this.#closing.signal,
    };
  }

  /** `new AntonClient({ ...resolveClientOptions({ env }), ...overrides })`. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AntonClientOptions> = {}): AntonClient {
    return new AntonClient({ ...resolveClientOptions({ env }), ...overrides });
  }

  /** Live counters (requests by status class, 401s, retries, token mints, rate-limit waits). */
  get stats(): ClientStats {
    return this.#monitor.stats;
  }

  /**
   * Rotates a webhook's signing secret. Always sends an Idempotency-Key (the
   * caller's, or a fresh UUID) and reuses it on every retry, so a rotation
   * whose response was lost is replayed rather than repeated. On failure,
   * `serverState` tells whether the rotation may have happened.
   * @throws AntonApiError (`invalid_webhook_id` / `invalid_idempotency_key` before any request).
   */
  async rotateWebhookSecret(webhookId: string, opts: { idempotencyKey?: string; signal?: AbortSignal } = {}): Promise<RotateResult> {
    this.#checkWebhookId(webhookId);
    const idempotencyKey = opts.idempotencyKey ?? randomUUID();
    if (typeof idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AntonApiError({ code: "invalid_idempotency_key", message: "idempotencyKey must be 1 to 255 visible ASCII characters (no spaces)." });
    }
    const route = "/v1/webhooks/:id/secret/rotate";
    const res = await this.#call({
      role: "resource",
      method: "POST",
      route,
      path: `/v1/webhooks/${encodeURIComponent(webhookId)}/secret/rotate`,
      idempotencyKey,
      mutating: true,
      signal: opts.signal,
    });
    // The server has rotated; if we cannot read the secret, its state is not "unchanged".
    const secret = this.#extractSecret(res, route, "unknown");
    return { secret, idempotencyKey, replayed: res.headers["x-idempotent-replayed"]?.toLowerCase() === "true", requestId: res.requestId, attempts: res.attempts };
  }

  /** Reads a webhook's current signing secret (`GET /v1/webhooks/{id}/secret`). */
  async getWebhookSecret(webhookId: string): Promise<{ secret: string; requestId?: string }> {
    this.#checkWebhookId(webhookId);
    const route = "/v1/webhooks/:id/secret";
    const res = await this.#call({ role: "resource", method: "GET", route, path: `/v1/webhooks/${encodeURIComponent(webhookId)}/secret`, mutating: false });
    return { secret: this.#extractSecret(res, route, "unchanged"), requestId: res.requestId };
  }

  /** Reads one webhook subscription. Any secret in the response is dropped. */
  async getWebhook(webhookId: string): Promise<Webhook> {
    this.#checkWebhookId(webhookId);
    const route = "/v1/webhooks/:id";
    const res = await this.#call({ role: "resource", method: "GET", route, path: `/v1/webhooks/${encodeURIComponent(webhookId)}`, mutating: false });
    const hook = toWebhook(unwrap(res.json));
    if (!hook) throw invalidResponse(route, res, "unchanged", "the response is not a webhook object");
    return hook;
  }

  /**
   * Lists all webhook subscriptions, following cursor pagination
   * (`has_more`/`next_cursor`); also accepts the unpaginated `{data:[...]}`.
   * @param opts.limit page size, 1..100 (default 100).
   */
  async listWebhooks(opts: { limit?: number } = {}): Promise<Webhook[]> {
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new AntonArgumentError("limit", "listWebhooks: limit must be an integer from 1 to 100");
    const route = "/v1/webhooks";
    const out: Webhook[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined) q.set("cursor", cursor);
      const res = await this.#call({ role: "resource", method: "GET", route, path: `${route}?${q}`, mutating: false });
      const body = res.json as Record<string, unknown> | null;
      const data = body && typeof body === "object" ? body.data : undefined;
      if (!Array.isArray(data)) throw invalidResponse(route, res, "unchanged", "expected a `data` array");
      for (const item of data) {
        const hook = toWebhook(item);
        if (!hook) throw invalidResponse(route, res, "unchanged", "a list item is not a webhook object");
        out.push(hook);
      }
      if (body!.has_more !== true) return out;
      const next = body!.next_cursor;
      if (typeof next !== "string" || next === "" || seen.has(next)) {
        throw invalidResponse(route, res, "unchanged", "has_more is true but next_cursor is missing or repeats");
      }
      seen.add(next);
      cursor = next;
    }
    throw new AntonApiError({ code: "invalid_response", message: `GET ${route}: more than ${MAX_PAGES} pages; refusing to continue.` });
  }

  /**
   * One authenticated call to any `/v1` route, through the same token, proofs, retries and pacing as the
   * typed methods: for routes this client has no method for, and for `anton-api`. A POST always carries
   * an Idempotency-Key (yours, or a fresh UUID) and is retried with it. Any 2xx resolves; other answers
   * reject with {@link AntonApiError}. The parsed body may hold secrets: treat it as secret.
   * @throws AntonArgumentError for a path outside `/v1/` (before any request).
   */
  async request(method: "GET" | "POST", path: string, opts: { idempotencyKey?: string; signal?: AbortSignal } = {}): Promise<RawResponse> {
    if (method !== "GET" && method !== "POST") throw new AntonArgumentError("method", "method must be GET or POST");
    if (typeof path !== "string" || !API_PATH.test(path) || DOT_SEGMENT.test(path)) throw new AntonArgumentError("path", "path must start with /v1/ and hold only URL path and query characters");
    const idempotencyKey = method === "POST" ? (opts.idempotencyKey ?? randomUUID()) : undefined;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AntonApiError({ code: "invalid_idempotency_key", message: "idempotencyKey must be 1 to 255 visible ASCII characters (no spaces)." });
    }
    // Metrics and messages name the route with its ids templated out.
    const route = path.split("?")[0]!.replace(/\/[a-z]+_[A-Za-z0-9]+(?=\/|$)/g, "/:id");
    const res = await this.#call({ role: "resource", method, route, path, idempotencyKey, mutating: method === "POST", signal: opts.signal });
    return { status: res.status, json: res.json, requestId: res.requestId, attempts: res.attempts, idempotencyKey };
  }

  /** Closes idle connections; further calls fail with `client_closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#session.tokens.clear();
    // Requests held by the rate pacer (a pause can last a whole window) end now, never sent.
    this.#pacer.close(new Error("client closed"));
    await this.#transport.close();
  }

  /** Log-safe view. */
  toJSON(): Record<string, string> {
    return { apiUrl: this.#o.origin, clientId: this.#o.clientId, alg: this.#o.key.alg, thumbprint: this.#o.key.thumbprint };
  }

  [inspect.custom](): string {
    return `AntonClient ${inspect(this.toJSON())}`;
  }

  #call(spec: CallSpec): Promise<CallResult> {
    return runCall(this.#deps, spec);
  }

  #checkWebhookId(id: unknown): void {
    if (!isWebhookId(id)) {
      // Echo only a short, redacted prefix: a pasted secret must not end up in the error.
      const shown = typeof id === "string" ? JSON.stringify(this.#redactor.redact(id).slice(0, 40)) : typeof id;
      throw new AntonApiError({ code: "invalid_webhook_id", message: `Invalid webhook id ${shown}: expected wbh_ followed by 1 to ${WEBHOOK_ID_MAX_BODY} letters and digits.` });
    }
  }

  #extractSecret(res: CallResult, route: string, state: ServerState): string {
    const body = unwrap(res.json);
    const secret = body?.secret ?? body?.signing_secret;
    if (typeof secret !== "string" || secret === "") throw invalidResponse(route, res, state, "no string `secret` in the response");
    this.#redactor.remember(secret);
    return secret;
  }
}
