import { ApiError } from "./errors";
import { isLoopbackHost } from "./delivery";
import type { Reply, RequestContext } from "./reply";
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
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid_request", "request body must be a JSON object");
    try {
      apply(faults, body);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // The controller's RangeErrors name the argument and hold no request input.
      throw new ApiError(400, "invalid_request", err instanceof RangeError ? err.message : "invalid fault arguments");
    }
    return { status: 200, body: { ok: true, injected: { ...faults.injected } } };
  };
}

function apply(faults: Faults, body: Record<string, unknown>): void {
  const route = routeOf(body);
  const num = (name: string, fallback?: number): number => {
    const value = body[name] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
    return value;
  };
  const optional = (name: string): number | undefined => (body[name] === undefined ? undefined : num(name));
  const text = (name: string): string | undefined => {
    if (body[name] !== undefined && typeof body[name] !== "string") throw invalid(`${name} must be a string`);
    return body[name] as string | undefined;
  };
  switch (body.action) {
    case "failNext":
      return faults.failNext(num("n", 1), num("status"), {
        route,
        retryAfterSeconds: optional("retryAfterSeconds"),
        code: text("code"),
        message: text("message"),
      });
    case "dropAfterCommit":
      return faults.dropAfterCommit(num("n", 1), { route });
    case "delay":
      return faults.delay(num("ms"), optional("n"), { route });
    case "stall":
      return faults.stall(num("ms"), optional("n"), { route });
    case "requireNonce":
      if (body.on !== undefined && typeof body.on !== "boolean") throw invalid("on must be true or false");
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
        kinds: kindsOf(body.kinds),
        slowMs: optional("slowMs"),
        skewSeconds: optional("skewSeconds"),
      });
    case "clear":
      return faults.clear();
    default:
      throw invalid(`action must be one of ${ACTIONS.join(", ")}`);
  }
}

const ACTIONS = ["failNext", "dropAfterCommit", "delay", "stall", "requireNonce", "clockOffset", "expireTokens", "setGrace", "random", "clear"];

const invalid = (message: string) => new ApiError(400, "invalid_request", message);

function kindsOf(value: unknown): ChaosKind[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((k) => typeof k !== "string")) throw invalid("kinds must be an array of chaos kind names");
  return value as ChaosKind[];
}

/** `route` is an exact route key or "METHOD /path"; `routePattern` is a regular expression source. */
function routeOf(body: Record<string, unknown>): RouteMatcher | undefined {
  if (body.routePattern !== undefined) {
    if (typeof body.routePattern !== "string") throw invalid("routePattern must be a string");
    try {
      return new RegExp(body.routePattern);
    } catch {
      throw invalid("routePattern is not a valid regular expression");
    }
  }
  if (body.route !== undefined && typeof body.route !== "string") throw invalid("route must be a string");
  return body.route as string | undefined;
}
