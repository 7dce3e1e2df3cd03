import { ApiError } from "./errors";
import type { RateLimiter } from "./rate-limiter";
import type { RequestContext } from "./reply";
import type { TokenStore } from "./tokens";

/**
 * Applies the rate limiter to a /v1 request: sets `X-RateLimit-*` (every /v1 response carries them) and
 * refuses with 429 over the limit. Authenticated callers share their merchant's window; anything else is
 * limited per address. `consume` false reports without counting, for injected faults that must have no
 * side effect. Without a limiter, does nothing.
 */
export function throttle(ctx: RequestContext, deps: { limiter?: RateLimiter; tokens: TokenStore; now: () => number }, consume: boolean): void {
  const { limiter, tokens } = deps;
  if (!limiter) return;
  const nowMs = deps.now();
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
