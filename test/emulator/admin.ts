import { ApiError } from "./errors";
import { isLoopbackHost } from "./delivery";
import type { Reply, RequestContext } from "./app";
import type { ChaosKind, Faults, RouteMatcher } from "./faults";
import type { Counters } from "./counters";

/**
 * `POST /__emulator/faults` and `GET /__emulator/state`, for test harnesses in another process.
 * Refused unless both the peer and the Host header are loopback (the latter blocks DNS rebinding),
 * and fault changes need `Content-Type: application/json`, which a cross-site form cannot send
 * without a CORS preflight the emulator never answers.
 */
export function adminRoutes(faults: Faults, counters: Counters) {
  return (ctx: RequestContext): Reply => {
    const host = (ctx.headers.host ?? "").replace(/:\d+$/, "");
    if (!isLoopbackHost(ctx.remoteAddress) || !isLoopbackHost(host)) {
      throw new ApiError(403, "forbidden", "admin routes are only available from loopback");
    }
    if (ctx.path === "/__emulator/state") {
      if (ctx.method !== "GET") throw new ApiError(405, "method_not_allowed", "method not allowed on this route", { Allow: "GET" });
      return { status: 200, body: counters.toJson() };
    }
    if (ctx.path !== "/__emulator/faults") throw new ApiError(404, "not_found", "no such route");
    if (ctx.method !== "POST") throw new ApiError(405, "method_not_allowed", "method not allowed on this route", { Allow: "POST" });
    if ((ctx.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() !== "application/json") {
      throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(ctx.rawBody.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, "invalid_request", "request body is not valid JSON");
    }
    if (!body || typeof body !== "object") throw new ApiError(400, "invalid_request", "request body must be a JSON object");
    try {
      apply(faults, body);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "invalid_request", "invalid fault arguments");
    }
    return { status: 200, body: { ok: true, injected: { ...faults.injected } } };
  };
}

function apply(faults: Faults, body: Record<string, unknown>): void {
  const route = routeOf(body);
  const num = (name: string, fallback?: number): number => {
    const value = body[name] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new ApiError(400, "invalid_request", "a numeric argument is missing");
    return value;
  };
  const optional = (name: string): number | undefined => (body[name] === undefined ? undefined : num(name));
  switch (body.action) {
    case "failNext":
      return faults.failNext(num("n", 1), num("status"), {
        route,
        retryAfterSeconds: optional("retryAfterSeconds"),
        code: typeof body.code === "string" ? body.code : undefined,
        message: typeof body.message === "string" ? body.message : undefined,
      });
    case "dropAfterCommit":
      return faults.dropAfterCommit(num("n", 1), { route });
    case "delay":
      return faults.delay(num("ms"), optional("n"), { route });
    case "stall":
      return faults.stall(num("ms"), optional("n"), { route });
    case "requireNonce":
      return faults.requireNonce(body.on !== false);
    case "clockOffset":
      return faults.clockOffset(num("seconds"));
    case "expireTokens":
      return faults.expireTokens();
    case "setGrace":
      return faults.setGrace(num("seconds"));
    case "random":
      return faults.random({
        rate: num("rate"),
        seed: optional("seed"),
        kinds: Array.isArray(body.kinds) ? (body.kinds as ChaosKind[]) : undefined,
        slowMs: optional("slowMs"),
        skewSeconds: optional("skewSeconds"),
      });
    case "clear":
      return faults.clear();
    default:
      throw new ApiError(400, "invalid_request", "unknown action");
  }
}

/** `route` is an exact route key or "METHOD /path"; `routePattern` is a regular expression source. */
function routeOf(body: Record<string, unknown>): RouteMatcher | undefined {
  if (typeof body.routePattern === "string") return new RegExp(body.routePattern);
  return typeof body.route === "string" ? body.route : undefined;
}
