import type { IncomingMessage, ServerResponse } from "node:http";
import { Authenticator } from "./auth";
import type { ClientRegistry } from "./clients";
import type { Counters } from "./counters";
import { ApiError, internalError } from "./errors";
import type { FaultPlan, Faults } from "./faults";
import { idempotent, type IdempotencyStore } from "./idempotency";
import { requestId } from "./ids";
import type { NonceManager } from "./nonces";
import type { RateLimiter } from "./rate-limiter";
import { errorReply, isV1, safely, type Reply, type RequestContext } from "./reply";
import { matchRoute, type RouteName } from "./routes";
import type { SignatureScheme } from "./signing";
import { throttle } from "./throttle";
import type { TokenStore } from "./tokens";
import { MAX_BODY_BYTES, readBody, writeReply } from "./transport";
import type { WebhookStore } from "./webhook-store";

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

/** The HTTP pipeline: routing, body limits, faults, then authentication, rate limits and idempotency before the handler, and transport. */
export class EmulatorApp {
  private readonly auth: Authenticator;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly deps: AppDeps) {
    this.auth = new Authenticator(deps);
  }

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
        throttle(ctx, deps, false);
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
    if (route.kind !== "found" && isV1(ctx.path)) throttle(ctx, this.deps, true);
    if (route.kind === "not_found") throw new ApiError(404, "not_found", "no such route");
    if (route.kind === "method_not_allowed") throw new ApiError(405, "method_not_allowed", "method not allowed on this route", { Allow: route.allow });
    switch (route.name) {
      case "token":
        return this.auth.token(ctx);
      case "jwks":
        return { status: 200, body: this.deps.jwks, headers: { "Cache-Control": "public, max-age=300" } };
      default:
        return this.resource(route.name, route.id, ctx);
    }
  }

  /** Every /v1 route: rate limit, DPoP-bound token, proof with `ath`, then idempotency and the handler. */
  private async resource(name: RouteName, id: string | undefined, ctx: RequestContext): Promise<Reply> {
    const { deps } = this;
    throttle(ctx, deps, true);
    const merchantId = await this.auth.authorize(ctx);
    return idempotent(deps.idempotency, deps.now, name, merchantId, ctx, async () => {
      if (ctx.plan.stallMs) {
        deps.faults.count("stall");
        await this.sleep(ctx.plan.stallMs);
      }
      return deps.resource(name, merchantId, id, ctx);
    });
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
    if (reply.status >= 400) {
      const code = (reply.body as { error?: { code?: string } } | undefined)?.error?.code;
      if (code) this.deps.counters.countRejection(code);
    }
    writeReply(res, id, serverNowMs, reply);
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
