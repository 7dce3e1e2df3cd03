/**
 * AntonClient: OAuth 2.0 client_credentials with DPoP-bound tokens (RFC 9449),
 * retries with fresh proofs, and responses validated before they are trusted.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
import { signProof, NonceStore } from "./dpop";
import { AntonApiError, parseErrorBody, parseWwwAuthenticate, type ServerState } from "./errors";
import { HttpTransport, TransportError, type HttpResponse } from "./http";
import { Monitor, statusClassOf, type ClientStats, type RetryReason } from "./monitoring";
import { RatePacer, type Settle } from "./rate-pacer";
import { validateOptions, type AntonClientOptions, type ResolvedOptions } from "./options";
import { resolveClientOptions } from "./resolve";
import { Redactor } from "./redact";
import { isRetryableStatus, parseRetryAfter, RetryBudget } from "./retry";
import { TokenCache, type AccessToken } from "./token";
import { htuFor } from "./url";
import { isWebhookId, WEBHOOK_ID_MAX_BODY } from "./webhook-id";

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

/** A webhook subscription (never includes its secret). */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt?: string;
  updatedAt?: string;
  status?: string;
  metadata?: Record<string, string>;
}

/** Idempotency keys: 1..255 visible ASCII (Anton documents ≤255 chars). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Clock differences above this are treated as skew when a proof is rejected. */
const SKEW_THRESHOLD_MS = 30_000;
/** Clock corrections per call: a second one covers a first learned from an outlier Date header. */
const MAX_CLOCK_FIXES = 2;
/**
 * Retries one call may make after `invalid_token` for a token that another call had already
 * replaced. Such a rejection says nothing about the fresh token, so it does not use up the call's
 * own re-mint; the cap only guards against a server that keeps rejecting every token.
 */
const MAX_STALE_TOKEN_RETRIES = 5;
/** Times a request waiting for a slot trades a dropped token for the current one before sending anyway. */
const MAX_TOKEN_REFRESH_AFTER_WAIT = 3;
const MAX_PAGES = 10_000;
/** 409 codes meaning "a request with this Idempotency-Key is still being processed". */
const IN_PROGRESS_CODES = new Set(["idempotency_key_in_use", "idempotency_in_progress", "request_in_progress"]);

type Role = "token" | "resource";

/**
 * Internal escape hatch (not exported from the package index): runs one raw
 * logical call through the full auth/retry pipeline. Tests use it to exercise
 * rules that the public methods never trigger (e.g. a /v1 POST without an
 * Idempotency-Key).
 * @internal
 */
export const INTERNAL_CALL: unique symbol = Symbol("AntonClient.call");

/** @internal */
export interface CallSpec {
  role: Role;
  method: "GET" | "POST";
  /** Templated route for metrics and messages; never contains ids. */
  route: string;
  path: string;
  /** POSTs on /v1 are retried only when this is set. */
  idempotencyKey?: string;
  mutating: boolean;
  signal?: AbortSignal;
}

/** @internal */
export interface CallResult {
  status: number;
  headers: HttpResponse["headers"];
  json: unknown;
  requestId?: string;
  attempts: number;
}

/**
 * Client for the Anton Payments API. Construction validates everything
 * synchronously and performs no I/O; the access token is minted on first use
 * and shared by concurrent calls. Safe to log: `util.inspect` and
 * `JSON.stringify` show only apiUrl, clientId, alg and key thumbprint.
 */
export class AntonClient {
  readonly #o: ResolvedOptions;
  readonly #transport: HttpTransport;
  readonly #tokens: TokenCache;
  readonly #nonces = new NonceStore();
  readonly #redactor = new Redactor();
  readonly #monitor = new Monitor();
  readonly #basic: string;
  readonly #pacer: RatePacer;
  #clockOffsetMs = 0;
  #closed = false;
  /** Aborted by close(): ends retry waits at once, so a closed client holds no timer. */
  readonly #closing = new AbortController();

  /** Validates options (throws {@link AntonConfigError}); never does I/O. */
  constructor(options: AntonClientOptions) {
    this.#o = validateOptions(options);
    const o = this.#o;
    const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
    // RFC 6749 §2.3.1: form-encode id and secret before Basic encoding.
    this.#basic = Buffer.from(`${form(o.clientId)}:${form(o.clientSecret)}`).toString("base64");
    for (const v of [o.clientSecret, form(o.clientSecret), this.#basic, o.key.privateScalar]) this.#redactor.pin(v);
    this.#transport = new HttpTransport({
      origin: o.origin,
      timeouts: o.timeouts,
      maxConcurrency: o.maxConcurrency,
      userAgent: o.userAgent,
      dispatcher: o.dispatcher,
    });
    this.#tokens = new TokenCache(() => this.#mint(), o.now);
    this.#pacer = new RatePacer(o.now, o.sleep, () => this.#clockOffsetMs);
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
    if (!hook) throw this.#invalidResponse(route, res, "unchanged", "the response is not a webhook object");
    return hook;
  }

  /**
   * Lists all webhook subscriptions, following cursor pagination
   * (`has_more`/`next_cursor`); also accepts the unpaginated `{data:[...]}`.
   * @param opts.limit page size, 1..100 (default 100).
   */
  async listWebhooks(opts: { limit?: number } = {}): Promise<Webhook[]> {
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new TypeError("listWebhooks: limit must be an integer from 1 to 100");
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
      if (!Array.isArray(data)) throw this.#invalidResponse(route, res, "unchanged", "expected a `data` array");
      for (const item of data) {
        const hook = toWebhook(item);
        if (!hook) throw this.#invalidResponse(route, res, "unchanged", "a list item is not a webhook object");
        out.push(hook);
      }
      if (body!.has_more !== true) return out;
      const next = body!.next_cursor;
      if (typeof next !== "string" || next === "" || seen.has(next)) {
        throw this.#invalidResponse(route, res, "unchanged", "has_more is true but next_cursor is missing or repeats");
      }
      seen.add(next);
      cursor = next;
    }
    throw new AntonApiError({ code: "invalid_response", message: `GET ${route}: more than ${MAX_PAGES} pages; refusing to continue.` });
  }

  /** Closes idle connections; further calls fail with `client_closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#tokens.clear();
    // Requests held by the rate pacer (a pause can last a whole window) end now, never sent.
    this.#pacer.close(new Error("client closed"));
    await this.#transport.close();
  }

  /** Log-safe view. */
  toJSON(): Record<string, string> {
    return { apiUrl: this.#o.origin, clientId: this.#o.clientId, alg: this.#o.key.alg, thumbprint: this.#o.key.thumbprint };
  }

  /** @internal */
  [INTERNAL_CALL](spec: CallSpec): Promise<CallResult> {
    return this.#call(spec);
  }

  [inspect.custom](): string {
    return `AntonClient ${inspect(this.toJSON())}`;
  }

  // ---------------------------------------------------------------- internals

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
    if (typeof secret !== "string" || secret === "") throw this.#invalidResponse(route, res, state, "no string `secret` in the response");
    this.#redactor.remember(secret);
    return secret;
  }

  #invalidResponse(route: string, res: CallResult, serverState: ServerState, what: string): AntonApiError {
    return new AntonApiError({
      code: "invalid_response",
      message: `Anton API ${route} returned an unusable response (HTTP ${res.status}): ${what}.`,
      status: res.status,
      requestId: res.requestId,
      serverState,
      attempts: res.attempts,
      hint: "the endpoint may not be Anton's, or the API changed; check the apiUrl and quote the request id to Anton support",
    });
  }

  #closedError(attempts: number, unknown: boolean): AntonApiError {
    return new AntonApiError({ code: "client_closed", message: "The Anton client was closed.", attempts, serverState: unknown ? "unknown" : "unchanged" });
  }

  #iat(offsetMs: number): number {
    return Math.floor((this.#o.now() + offsetMs) / 1000);
  }

  async #mint(): Promise<AccessToken> {
    const started = performance.now();
    const res = await this.#call({ role: "token", method: "POST", route: "/oauth/token", path: "/oauth/token", mutating: false });
    const b = res.json as Record<string, unknown> | null;
    const fail = (what: string) => this.#invalidResponse("/oauth/token", res, "unchanged", what);
    if (!b || typeof b !== "object" || typeof b.access_token !== "string" || b.access_token === "") throw fail("no access_token");
    if (typeof b.token_type !== "string" || b.token_type.toLowerCase() !== "dpop") {
      throw fail(`token_type is ${typeof b.token_type === "string" ? JSON.stringify(b.token_type.slice(0, 20)) : "missing"}, expected DPoP (this client only uses DPoP-bound tokens)`);
    }
    this.#redactor.remember(b.access_token);
    // Without expires_in, assume a short life rather than Anton's documented hour: a re-mint is cheap, a stale token is a failed call.
    const expiresIn = typeof b.expires_in === "number" && b.expires_in > 0 ? b.expires_in : 300;
    this.#monitor.token({ durationMs: performance.now() - started });
    return { value: b.access_token, expiresIn };
  }

  /**
   * Takes a connection slot and signs the proof just before sending, so a deep
   * queue (500 Creates in flight, maxConcurrency 16) neither holds hundreds of
   * proofs signed long before use nor spends a burst of CPU signing them up
   * front. The slot is taken after the access token: holding one while a mint
   * waits for its own slot could deadlock.
   */
  async #prepare(spec: CallSpec, htu: string, offsetMs: () => number): Promise<{ headers: Record<string, string>; token?: string; release: () => void }> {
    let token = spec.role === "token" ? undefined : await this.#tokens.get();
    let release = await this.#transport.acquire(spec.signal);
    // The token was read before the wait for a slot. If another request's 401 invalid_token dropped it meanwhile,
    // sending it would only earn another 401; if a refresh replaced it, the new one lives longer. So take the
    // current token, keeping the slot; when none is cached (a re-mint is running), give the slot back while the
    // mint runs, since it needs a slot of its own, then queue for one again ahead of the others.
    for (let tries = 0; token !== undefined && !this.#tokens.holds(token) && tries < MAX_TOKEN_REFRESH_AFTER_WAIT && !this.#closed; tries++) {
      const current = this.#tokens.peek();
      if (current !== undefined) {
        token = current;
        break;
      }
      release();
      token = await this.#tokens.get();
      release = await this.#transport.acquire(spec.signal, true);
    }
    try {
      // iat and the nonce are read after the slot wait: a server rotates nonces while a deep queue waits.
      const nonce = this.#nonces.get(this.#o.origin, spec.role);
      const proof = await signProof(this.#o.key, { htm: spec.method, htu, iat: this.#iat(offsetMs()), nonce, accessToken: token });
      this.#redactor.remember(proof);
      if (token === undefined) {
        return { headers: { authorization: `Basic ${this.#basic}`, "content-type": "application/x-www-form-urlencoded", dpop: proof }, release };
      }
      const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop: proof };
      if (spec.idempotencyKey) headers["idempotency-key"] = spec.idempotencyKey;
      return { headers, token, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * One logical call: signs a fresh proof per attempt, answers nonce, token
   * and clock-skew challenges once each, and retries transient failures
   * within the budget. /v1 POSTs without an Idempotency-Key are never
   * retried (the token endpoint is exempt: minting has no lasting effect).
   */
  async #call(spec: CallSpec): Promise<CallResult> {
    const o = this.#o;
    const budget = new RetryBudget(o.retry, o.now);
    const mayRetry = spec.role === "token" || spec.method === "GET" || spec.idempotencyKey !== undefined;
    const htu = htuFor(o.origin, spec.path);
    const used = { nonce: false, token: false, staleTokens: 0 };
    // A clock correction stays local to this call until a request signed with it succeeds, so one odd
    // Date header (a proxy, a misbehaving node) cannot skew every other call in the process.
    let offsetMs = 0;
    let learnedOffset = false;
    let clockFixes = 0;
    let attempts = 0;
    let unknown = false;

    for (;;) {
      if (this.#closed) throw this.#closedError(attempts, unknown);
      if (spec.signal?.aborted) throw this.#aborted(spec, attempts, unknown);
      // /v1 requests wait while Anton's rate-limit window is known to be full (the token endpoint is not limited).
      let settle: Settle | undefined;
      if (spec.role === "resource") {
        try {
          settle = await this.#pacer.admit(spec.signal);
        } catch {
          if (this.#closed) throw this.#closedError(attempts, unknown);
          throw this.#aborted(spec, attempts, unknown);
        }
      }
      let prepared: { headers: Record<string, string>; token?: string; release: () => void };
      try {
        // Read the shared offset late: a token mint inside this step may just have learned it.
        prepared = await this.#prepare(spec, htu, () => (learnedOffset ? offsetMs : this.#clockOffsetMs));
      } catch (err) {
        settle?.();
        // Aborted while waiting for a token or a slot: this attempt never left.
        if (spec.signal?.aborted) throw this.#aborted(spec, attempts, unknown);
        // A token-mint failure during a retry must not hide that an earlier attempt may have been applied.
        if (err instanceof AntonApiError && unknown) throw this.#reframe(err, attempts);
        throw err;
      }
      if (this.#closed) {
        // Closed while this request waited for a slot: it never left, so nothing changed because of it.
        prepared.release();
        settle?.();
        throw this.#closedError(attempts, unknown);
      }
      attempts += 1;
      const t0 = performance.now();
      settle?.sending();
      let res: HttpResponse;
      try {
        res = await this.#transport.send({
          method: spec.method,
          path: spec.path,
          headers: prepared.headers,
          body: spec.role === "token" ? "grant_type=client_credentials" : undefined,
          signal: spec.signal,
        }, prepared.release);
      } catch (err) {
        settle?.();
        const te = err instanceof TransportError ? err : new TransportError("network_error", "UNKNOWN", true);
        if (spec.mutating && te.maybeSent) unknown = true;
        const durationMs = performance.now() - t0;
        if (te.kind === "aborted") {
          this.#monitor.request({ method: spec.method, route: spec.route, statusClass: "network", attempt: attempts, durationMs, retry: false });
          throw this.#aborted(spec, attempts, unknown);
        }
        const delay = budget.nextBackoff();
        const retry = te.kind !== "tls_error" && mayRetry && budget.allows(attempts, delay);
        this.#monitor.request({ method: spec.method, route: spec.route, statusClass: "network", attempt: attempts, durationMs, retry });
        if (retry) {
          this.#monitor.retry({ route: spec.route, reason: te.kind === "timeout" ? "timeout" : "network", delayMs: delay, attempt: attempts });
          await this.#backoff(delay, spec.signal);
          continue;
        }
        throw this.#transportFailure(spec, te, attempts, unknown);
      }

      settle?.(res);
      const durationMs = performance.now() - t0;
      const requestId = safeRequestId(res.headers["x-request-id"]);
      const serverNonce = res.headers["dpop-nonce"];
      this.#nonces.set(o.origin, spec.role, serverNonce);

      if (res.status >= 200 && res.status < 300) {
        if (learnedOffset) this.#clockOffsetMs = offsetMs;
        this.#monitor.request({ method: spec.method, route: spec.route, status: res.status, statusClass: "2xx", attempt: attempts, durationMs, retry: false, requestId });
        let json: unknown;
        try {
          json = res.body === "" ? undefined : JSON.parse(res.body);
        } catch {
          json = undefined;
        }
        return { status: res.status, headers: res.headers, json, requestId, attempts };
      }

      const parsed = parseErrorBody(res.body);
      const www = parseWwwAuthenticate(res.headers["www-authenticate"]);
      const code = parsed.code ?? www.error;
      const text = `${parsed.message ?? ""} ${www.description ?? ""}`;

      let reason: RetryReason | undefined;
      let learned: number | undefined;
      let delay = 0;
      const isNonceChallenge =
        serverNonce !== undefined &&
        (spec.role === "token" ? (res.status === 400 || res.status === 401) && code === "use_dpop_nonce" : res.status === 401 && (www.error === "use_dpop_nonce" || code === "use_dpop_nonce"));
      if (isNonceChallenge && !used.nonce) {
        used.nonce = true;
        reason = "nonce";
      } else if (spec.role === "resource" && res.status === 401 && (code === "invalid_token" || www.error === "invalid_token") && prepared.token && this.#tokenRetry(prepared.token, used)) {
        reason = "token";
      } else if ((res.status === 400 || res.status === 401) && clockFixes < MAX_CLOCK_FIXES && (learned = this.#serverOffset(res, code, text, learnedOffset ? offsetMs : this.#clockOffsetMs)) !== undefined) {
        offsetMs = learned;
        learnedOffset = true;
        clockFixes += 1;
        reason = "clock_skew";
      } else if (res.status === 409 && spec.idempotencyKey !== undefined && code !== undefined && IN_PROGRESS_CODES.has(code)) {
        // The original request with this key is still running; waiting then retrying yields its stored response.
        // Full jitter can draw 0 ms; the server has just said the original is still running, so an instant retry
        // can only meet another 409. Wait at least the base delay.
        delay = parseRetryAfter(res.headers["retry-after"], o.now()) ?? Math.max(o.retry.baseDelayMs, budget.nextBackoff());
        if (budget.allows(attempts, delay)) reason = "in_progress";
      } else if (isRetryableStatus(res.status)) {
        // Retry-After is authoritative for 429 and, when present, for 503 (RFC 9110 §10.2.3); otherwise back off.
        const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers["retry-after"], o.now()) : undefined;
        delay = retryAfter ?? budget.nextBackoff();
        if (budget.allows(attempts, delay)) reason = res.status === 429 ? "429" : "5xx";
      }
      // Challenges are definite rejections, but the rule for /v1 POSTs without a key is absolute.
      const budgeted = reason === "429" || reason === "5xx" || reason === "in_progress";
      const retry = reason !== undefined && mayRetry && budget.allows(budgeted ? attempts : 0, delay);

      this.#monitor.request({ method: spec.method, route: spec.route, status: res.status, statusClass: statusClassOf(res.status), attempt: attempts, durationMs, retry, requestId });
      if (!retry) throw this.#httpFailure(spec, res, parsed, code, attempts, unknown, requestId);
      this.#monitor.retry({ route: spec.route, reason: reason!, delayMs: delay, attempt: attempts });
      if (reason === "429") {
        const remaining = Number(res.headers["x-ratelimit-remaining"]);
        this.#monitor.rateLimit({ waitMs: delay, ...(Number.isFinite(remaining) ? { remaining } : {}) });
      }
      if (delay > 0) await this.#backoff(delay, spec.signal);
    }
  }

  /** Waits before a retry; a close or the caller's abort ends the wait early, and the next loop turn reports it. */
  async #backoff(ms: number, callerSignal: AbortSignal | undefined): Promise<void> {
    const signal = callerSignal ? AbortSignal.any([this.#closing.signal, callerSignal]) : this.#closing.signal;
    try {
      await this.#o.sleep(ms, signal);
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  /** Whether to retry after `invalid_token`: once per call with a fresh token, plus (capped) when the rejected token was already stale. */
  #tokenRetry(token: string, used: { token: boolean; staleTokens: number }): boolean {
    if (!this.#tokens.holds(token)) return used.staleTokens++ < MAX_STALE_TOKEN_RETRIES;
    if (used.token) return false;
    used.token = true;
    this.#tokens.invalidate(token);
    return true;
  }

  /**
   * The server's clock offset, from `Date`, when a proof was rejected for its
   * `iat` (RFC 9449 §11.1 allows servers to bound iat); undefined when the
   * rejection is not about time or the offset would not change, i.e. a retry
   * has no chance.
   */
  #serverOffset(res: HttpResponse, code: string | undefined, text: string, currentMs: number): number | undefined {
    const date = res.headers["date"] ? Date.parse(res.headers["date"]) : NaN;
    if (Number.isNaN(date)) return undefined;
    const localNow = this.#o.now();
    const skew = date - (localNow + currentMs);
    const mentionsIat = /\biat\b/i.test(text);
    if (!(mentionsIat || (code === "invalid_dpop_proof" && Math.abs(skew) > SKEW_THRESHOLD_MS))) return undefined;
    if (code !== undefined && code !== "invalid_dpop_proof" && !mentionsIat) return undefined;
    // Date has one-second resolution: a smaller move cannot fix a rejected iat.
    if (Math.abs(skew) < 1_000) return undefined;
    return date - localNow;
  }

  #hint(status: number | undefined, code: string | undefined, text: string, requestId?: string): string | undefined {
    const n = this.#o.names;
    if (code === "invalid_client" || (status === 401 && /client/i.test(text) && !/token/i.test(text))) {
      return `check ${n.clientId} and ${n.clientSecret}; the credential may be revoked or belong to the other environment`;
    }
    if (code === "invalid_dpop_proof" || code === "invalid_dpop_key") {
      if (/regist|jkt|thumbprint|key/i.test(text)) {
        return `the DPoP key (${n.dpopPrivateKey}) must be the one registered with this credential (this key's thumbprint is ${this.#o.key.thumbprint})`;
      }
      return `the DPoP proof was rejected; check the system clock and ${n.dpopAlg}`;
    }
    if (code === "use_dpop_nonce") {
      // Only reached when the retry with the server's fresh nonce was refused too: not a credential problem.
      return `Anton asked for a fresh DPoP nonce again right after one was used; retry${requestId ? `, and if it persists quote request id ${requestId} to Anton support` : ""}`;
    }
    if (status === 401) return `authentication failed; check ${n.clientId}, ${n.clientSecret} and ${n.dpopPrivateKey}`;
    if (status === 403) return "the credential lacks permission for this operation (role, merchant status, or a sandbox credential against production); check it in the Anton portal";
    if (status === 404) return `check the webhook id, and that ${n.apiUrl} points at the environment (sandbox vs production) where it exists`;
    if (status === 429) return `Anton's rate limit (1000 requests/min per merchant) was hit; lower ${n.maxConcurrency} or run pulumi with a lower --parallel`;
    if (status !== undefined && status >= 500) return `Anton-side failure; retry later${requestId ? ` and quote request id ${requestId} to Anton support` : ""}`;
    return undefined;
  }

  #httpFailure(spec: CallSpec, res: HttpResponse, parsed: { message?: string; details?: unknown }, code: string | undefined, attempts: number, unknown: boolean, requestId?: string): AntonApiError {
    const r = this.#redactor;
    const safeCode = code && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : `http_${res.status}`;
    const serverMessage = parsed.message ? `: ${r.redact(parsed.message).slice(0, 300)}` : "";
    const retried = attempts > 1 ? ` after ${attempts} attempts` : "";
    return new AntonApiError({
      message: `Anton API ${spec.method} ${spec.route} failed${retried}: HTTP ${res.status} ${safeCode}${serverMessage}${requestId ? ` [request ${requestId}]` : ""}`,
      code: safeCode,
      status: res.status,
      requestId,
      retryable: isRetryableStatus(res.status) || (res.status === 409 && IN_PROGRESS_CODES.has(safeCode)),
      serverState: unknown ? "unknown" : "unchanged",
      attempts,
      hint: this.#hint(res.status, safeCode, parsed.message ?? "", requestId),
      details: parsed.details === undefined ? undefined : r.redactValue(parsed.details),
    });
  }

  #transportFailure(spec: CallSpec, te: TransportError, attempts: number, unknown: boolean): AntonApiError {
    const what = te.kind === "timeout" ? "timed out" : te.kind === "tls_error" ? "failed TLS verification" : "failed at the network level";
    const hint =
      te.kind === "tls_error"
        ? "the server certificate is not trusted; for a private CA set NODE_EXTRA_CA_CERTS (verification cannot be disabled)"
        : unknown
          ? "the request may have been applied; retrying with the same idempotency key is safe"
          : `check network access to ${this.#o.origin}`;
    return new AntonApiError({
      message: `Anton API ${spec.method} ${spec.route} ${what} (${te.errorCode})${attempts > 1 ? ` after ${attempts} attempts` : ""}`,
      code: te.kind,
      retryable: te.kind !== "tls_error",
      serverState: unknown ? "unknown" : "unchanged",
      attempts,
      hint,
      cause: { name: "TransportError", code: te.errorCode, message: te.message },
    });
  }

  #aborted(spec: CallSpec, attempts: number, unknown: boolean): AntonApiError {
    return new AntonApiError({
      message: `Anton API ${spec.method} ${spec.route} was aborted by the caller`,
      code: "aborted",
      serverState: unknown ? "unknown" : "unchanged",
      attempts,
    });
  }

  #reframe(err: AntonApiError, attempts: number): AntonApiError {
    return new AntonApiError({
      message: `${err.message.replace(` (${err.hint})`, "")}; an earlier attempt may have been applied`,
      code: err.code,
      status: err.status,
      requestId: err.requestId,
      retryable: true,
      serverState: "unknown",
      attempts,
      hint: err.hint,
    });
  }
}

function safeRequestId(v: string | undefined): string | undefined {
  return v && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : undefined;
}

/** Accepts both the bare object and the older `{data:{...}}` wrapper. */
function unwrap(json: unknown): Record<string, unknown> | undefined {
  if (!json || typeof json !== "object" || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (o.data && typeof o.data === "object" && !Array.isArray(o.data) && o.id === undefined && o.secret === undefined) {
    return o.data as Record<string, unknown>;
  }
  return o;
}

function toWebhook(v: unknown): Webhook | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== "string" || typeof o.url !== "string") return undefined;
  if (!Array.isArray(o.events) || !o.events.every((e) => typeof e === "string")) return undefined;
  const hook: Webhook = { id: o.id, url: o.url, events: [...(o.events as string[])] };
  const createdAt = o.created_at ?? o.createdAt;
  const updatedAt = o.updated_at ?? o.updatedAt;
  if (typeof createdAt === "string") hook.createdAt = createdAt;
  if (typeof updatedAt === "string") hook.updatedAt = updatedAt;
  if (typeof o.status === "string") hook.status = o.status;
  if (o.metadata && typeof o.metadata === "object" && !Array.isArray(o.metadata)) {
    const md: Record<string, string> = {};
    for (const [k, val] of Object.entries(o.metadata)) if (typeof val === "string") md[k] = val;
    hook.metadata = md;
  }
  return hook;
}
