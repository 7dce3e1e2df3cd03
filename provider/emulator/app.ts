import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, dpopChallenge, internalError, invalidToken } from "./errors";
import { DpopVerifier, ProofError } from "./dpop-verifier";
import type { FaultPlan, Faults } from "./faults";
import { requestId } from "./ids";
import { MAX_IDEMPOTENCY_KEY_LENGTH, type IdempotencyStore } from "./idempotency";
import type { NonceManager } from "./nonces";
import type { RateLimiter } from "./rate-limiter";
import { matchRoute, type RouteName } from "./routes";
import type { TokenStore } from "./tokens";
import type { ClientRegistry } from "./clients";
import type { Counters } from "./counters";
import type { WebhookStore } from "./webhook-store";
import type { SignatureScheme } from "./signing";

export const MAX_BODY_BYTES = 1024 * 1024;

/** A response before transport: handlers return these, faults decide whether and when they are written. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a handler may need about the request in flight. */
export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  rawBody: Buffer;
  remoteAddress: string;
  /** Extra headers for the response whatever its status (rate limit, nonce). */
  responseHeaders: Record<string, string>;
  /** Server clock for this request, including configured and injected skew. */
  serverNowMs: number;
  plan: FaultPlan;
}

export interface AppDeps {
  scheme: "http" | "https";
  now: () => number;
  log?: (line: string) => void;
  tokenTtlSeconds: number;
  signatureScheme: SignatureScheme;
  graceSeconds: { value: number };
  clients: ClientRegistry;
  tokens: TokenStore;
  webhooks: WebhookStore;
  faults: Faults;
  counters: Counters;
  nonces: NonceManager;
  limiter?: RateLimiter;
  idempotency: IdempotencyStore;
  jwks: { keys: Array<Record<string, unknown>> };
  admin(ctx: RequestContext): Reply;
  resource(name: RouteName, merchantId: string, id: string | undefined, ctx: RequestContext): Promise<Reply>;
}

const SECONDS = 1000;

/** The HTTP pipeline: routing, body limits, faults, authentication, rate limits, idempotency and transport. */
export class EmulatorApp {
  readonly verifier = new DpopVerifier();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly deps: AppDeps) {}

  /** Stops pending delayed responses; their sockets are being closed anyway. */
  shutdown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.process(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) this.write(res, requestId(), Date.now(), errorReply(internalError()));
    });
  };

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { deps } = this;
    const id = requestId();
    const method = req.method ?? "GET";
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://emulator.invalid");
    } catch {
      return this.write(res, id, this.clock(0), errorReply(new ApiError(400, "invalid_request", "malformed request target")));
    }
    const path = url.pathname;
    const isAdmin = path.startsWith("/__emulator/");
    const route = isAdmin ? undefined : matchRoute(method, path);
    if (route) deps.counters.countRequest(route.key);

    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) return this.tooLarge(req, res, id, route?.key);
    const rawBody = await readBody(req);
    if (rawBody === undefined) return this.tooLarge(req, res, id, route?.key);

    const chaosEligible = route?.kind === "found" && (route.name === "token" || path.startsWith("/v1/"));
    const hasToken = /^DPoP\s/i.test(req.headers.authorization ?? "");
    const plan: FaultPlan = route
      ? deps.faults.plan(route.key, method, path, chaosEligible, hasToken)
      : { drop: false, delayMs: 0, nonce: false, expireToken: false, skewSeconds: 0 };

    const ctx: RequestContext = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      remoteAddress: req.socket.remoteAddress ?? "",
      responseHeaders: {},
      serverNowMs: this.clock(plan.skewSeconds),
      plan,
    };

    let reply: Reply;
    if (isAdmin) {
      reply = safely(() => deps.admin(ctx));
      return this.write(res, id, ctx.serverNowMs, reply);
    }
    if (plan.fail) {
      deps.faults.count(plan.fail.kind);
      const headers: Record<string, string> = plan.fail.retryAfterSeconds ? { "Retry-After": String(plan.fail.retryAfterSeconds) } : {};
      reply = errorReply(new ApiError(plan.fail.status, plan.fail.code, plan.fail.message, headers));
      if (isV1(path)) {
        this.rateLimit(ctx, false);
        if (plan.fail.status === 429) ctx.responseHeaders["X-RateLimit-Remaining"] = "0";
      }
    } else {
      try {
        reply = await this.dispatch(route!, ctx);
      } catch (err) {
        reply = errorReply(err instanceof ApiError ? err : internalError());
      }
    }
    reply.headers = { ...ctx.responseHeaders, ...reply.headers };
    this.logLine(method, route!.key, reply.status, id);
    await this.deliver(res, id, ctx, reply);
  }

  private async dispatch(route: ReturnType<typeof matchRoute>, ctx: RequestContext): Promise<Reply> {
    if (route.kind !== "found" && isV1(ctx.path)) this.rateLimit(ctx, true);
    if (route.kind === "not_found") throw new ApiError(404, "not_found", "no such route");
    if (route.kind === "method_not_allowed") throw new ApiError(405, "method_not_allowed", "method not allowed on this route", { Allow: route.allow });
    switch (route.name) {
      case "token":
        return this.token(ctx);
      case "jwks":
        return { status: 200, body: this.deps.jwks, headers: { "Cache-Control": "public, max-age=300" } };
      default:
        return this.resource(route.name, route.id, ctx);
    }
  }

  /** `POST /oauth/token`: client_credentials with a DPoP proof bound to the client's registered key. */
  private async token(ctx: RequestContext): Promise<Reply> {
    const { deps } = this;
    const contentType = (ctx.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/x-www-form-urlencoded") {
      throw new ApiError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(ctx.rawBody.toString("utf8"));
    const client = deps.clients.authenticate(ctx.headers.authorization);
    if (!client) {
      // Credentials in the form body (RFC 6749 client_secret_post) are not wrong, just not accepted: say so.
      const inBody = !/^Basic /i.test(ctx.headers.authorization ?? "") && (form.has("client_id") || form.has("client_secret"));
      const message = inBody
        ? "client credentials in the request body are not accepted; only HTTP Basic authentication is (Authorization: Basic base64(client_id:client_secret))"
        : "client authentication failed";
      throw new ApiError(401, "invalid_client", message, { "WWW-Authenticate": 'Basic realm="anton"' });
    }
    const grants = form.getAll("grant_type");
    if (grants.length !== 1) throw new ApiError(400, "invalid_request", "grant_type is required exactly once");
    if (grants[0] !== "client_credentials") throw new ApiError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported");

    const proof = await this.checkProof(ctx, {
      expectedJkt: client.jkt,
      expectedJktMessage: "DPoP proof key not registered for this client",
      onInvalid: (message) => new ApiError(400, "invalid_dpop_proof", message),
      onNonce: (message, nonce) => new ApiError(400, "use_dpop_nonce", message, { "DPoP-Nonce": nonce }),
    });
    const token = deps.tokens.mint(client.clientId, proof.jkt, deps.tokenTtlSeconds, deps.now());
    deps.counters.tokensMinted += 1;
    return {
      status: 200,
      body: { access_token: token, token_type: "DPoP", expires_in: deps.tokenTtlSeconds },
      headers: { Pragma: "no-cache" },
    };
  }

  /** Every /v1 route: rate limit, DPoP-bound token, proof with `ath`, then idempotency and the handler. */
  private async resource(name: RouteName, id: string | undefined, ctx: RequestContext): Promise<Reply> {
    const { deps } = this;
    const nowMs = deps.now();
    const authorization = ctx.headers.authorization ?? "";
    const match = /^(\S+)\s+(\S+)$/.exec(authorization);
    const token = match && match[1]!.toLowerCase() === "dpop" ? match[2]! : undefined;
    const record = token ? deps.tokens.lookup(token) : undefined;

    this.rateLimit(ctx, true);

    if (!authorization) throw invalidToken("missing access token; send Authorization: DPoP <token>");
    if (/^Bearer\s/i.test(authorization)) throw invalidToken("Bearer tokens are not accepted; send Authorization: DPoP <token>");
    if (!token) throw invalidToken("malformed Authorization header; send Authorization: DPoP <token>");
    if (!record) throw invalidToken("access token is invalid");
    if (ctx.plan.expireToken) {
      deps.faults.count("token-expiry");
      deps.tokens.expire(token, nowMs);
    }
    if (record.expiresAt <= nowMs) throw invalidToken("access token has expired");

    await this.checkProof(ctx, {
      accessToken: token,
      expectedJkt: record.jkt,
      onInvalid: (message) => new ApiError(401, "invalid_dpop_proof", message, dpopChallenge("invalid_dpop_proof", message)),
      onNonce: (message, nonce) =>
        new ApiError(401, "use_dpop_nonce", message, { ...dpopChallenge("use_dpop_nonce", message), "DPoP-Nonce": nonce }),
    });
    return this.idempotent(name, id, record.clientId, ctx);
  }

  /**
   * Sets `X-RateLimit-*` (every /v1 response carries them) and refuses with 429 over the limit.
   * Authenticated callers share their merchant's window; anything else is limited per address.
   * `consume` false reports without counting, for injected faults that must have no side effect.
   */
  private rateLimit(ctx: RequestContext, consume: boolean): void {
    const { limiter, tokens } = this.deps;
    if (!limiter) return;
    const nowMs = this.deps.now();
    const match = /^DPoP\s+(\S+)$/i.exec(ctx.headers.authorization ?? "");
    const record = match ? tokens.lookup(match[1]!) : undefined;
    const bucket = record && record.expiresAt > nowMs ? `merchant:${record.clientId}` : `address:${ctx.remoteAddress}`;
    const decision = limiter.check(bucket, nowMs, consume);
    Object.assign(ctx.responseHeaders, {
      "X-RateLimit-Limit": String(decision.limit),
      "X-RateLimit-Remaining": String(decision.remaining),
      "X-RateLimit-Reset": String(decision.resetSeconds),
    });
    if (consume && !decision.allowed) {
      throw new ApiError(429, "rate_limited", `Rate limit exceeded. Retry after ${decision.retryAfterSeconds} seconds.`, {
        "Retry-After": String(decision.retryAfterSeconds),
      });
    }
  }

  private async checkProof(
    ctx: RequestContext,
    opts: {
      accessToken?: string;
      expectedJkt: string;
      expectedJktMessage?: string;
      onInvalid: (message: string) => ApiError;
      onNonce: (message: string, nonce: string) => ApiError;
    },
  ) {
    const { deps } = this;
    const nowMs = deps.now();
    if (ctx.plan.skewSeconds !== 0) deps.faults.count("skew");
    const host = ctx.headers.host;
    if (!host) throw new ApiError(400, "invalid_request", "Host header is required");
    const proofHeader = ctx.headers.dpop;
    try {
      const verified = await this.verifier.verify(Array.isArray(proofHeader) ? proofHeader.join(",") : proofHeader, {
        method: ctx.method,
        url: `${deps.scheme}://${host}${ctx.path}`,
        serverNowMs: ctx.serverNowMs,
        nowMs,
        accessToken: opts.accessToken,
        expectedJkt: opts.expectedJkt,
        expectedJktMessage: opts.expectedJktMessage,
        nonces: deps.faults.nonceRequired ? deps.nonces : undefined,
        forceNonceChallenge: ctx.plan.nonce,
      });
      if (deps.faults.nonceRequired || verified.usedNonce) ctx.responseHeaders["DPoP-Nonce"] = deps.nonces.issue(nowMs);
      return verified;
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      if (err.kind === "nonce") {
        deps.faults.count("nonce");
        throw opts.onNonce(err.message, deps.nonces.issue(nowMs));
      }
      throw opts.onInvalid(err.message);
    }
  }

  /** POST idempotency (24 h per merchant). Only responses below 500 are stored: a 5xx means "try again". */
  private async idempotent(name: RouteName, id: string | undefined, merchantId: string, ctx: RequestContext): Promise<Reply> {
    const { deps } = this;
    const key = ctx.headers["idempotency-key"];
    const perform = async (): Promise<Reply> => {
      if (ctx.plan.stallMs) {
        deps.faults.count("stall");
        await this.sleep(ctx.plan.stallMs);
      }
      return deps.resource(name, merchantId, id, ctx);
    };
    if (ctx.method !== "POST") return perform();
    if (key === undefined) {
      if (name === "webhooks.create") throw new ApiError(400, "missing_idempotency_key", "Idempotency-Key header is required for this request");
      return perform();
    }
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ApiError(400, "invalid_request", "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    const begin = deps.idempotency.begin(merchantId, key, ctx.method, ctx.path, ctx.rawBody, deps.now());
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

  /** Applies delay and drop faults, then writes. A drop happens after the work is committed. */
  private async deliver(res: ServerResponse, id: string, ctx: RequestContext, reply: Reply): Promise<void> {
    const { plan } = ctx;
    if (plan.delayMs > 0) {
      this.deps.faults.count("slow");
      await this.sleep(plan.delayMs);
      if (this.closed) return;
    }
    if (plan.drop) {
      this.deps.faults.count("drop-after-commit");
      res.socket?.destroy();
      return;
    }
    this.write(res, id, ctx.serverNowMs, reply);
  }

  private write(res: ServerResponse, id: string, serverNowMs: number, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    const body = reply.body === undefined ? undefined : JSON.stringify(reply.body);
    if (reply.status >= 400) {
      const code = (reply.body as { error?: { code?: string } } | undefined)?.error?.code;
      if (code) this.deps.counters.countRejection(code);
    }
    res.statusCode = reply.status;
    res.setHeader("X-Request-ID", id);
    res.setHeader("Date", new Date(serverNowMs).toUTCString());
    res.setHeader("Cache-Control", "no-store");
    if (body !== undefined) {
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.setHeader("Content-Length", Buffer.byteLength(body));
    }
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.end(body);
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse, id: string, routeKey: string | undefined): void {
    this.logLine(req.method ?? "", routeKey ?? "admin", 413, id);
    // The rest of the body is never read, so the connection cannot be reused.
    res.setHeader("Connection", "close");
    this.write(res, id, this.clock(0), errorReply(new ApiError(413, "payload_too_large", "request body exceeds 1 MiB")));
    req.resume();
  }

  private clock(skewSeconds: number): number {
    return this.deps.now() + (this.deps.faults.offsetSeconds + skewSeconds) * SECONDS;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Route keys and codes only: paths, headers and bodies may carry secrets, so they are never logged. */
  private logLine(method: string, routeKey: string, status: number, id: string): void {
    if (!this.deps.log) return;
    const label = routeKey.startsWith(`${method} `) ? routeKey : `${method} ${routeKey}`;
    this.deps.log(`${label} ${status} ${id}`);
  }
}

const isV1 = (path: string): boolean => path === "/v1" || path.startsWith("/v1/");

export function errorReply(err: ApiError): Reply {
  return { status: err.status, body: err.envelope(), headers: err.headers };
}

function safely(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    return errorReply(err instanceof ApiError ? err : internalError());
  }
}

/** Reads the body up to {@link MAX_BODY_BYTES}; `undefined` when it is larger. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}
