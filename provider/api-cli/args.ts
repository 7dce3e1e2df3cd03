/** Argument parsing and output redaction for `anton-api`; pure, no I/O. */
import { Redactor } from "../client/redact";

export const API_USAGE = `usage: anton-api [--show-secrets] [--idempotency-key KEY] METHOD PATH
  Sends one authenticated request to the Anton API (an access token plus a fresh DPoP proof, with the
  provider's retries and nonce handling) and prints the JSON response. Configuration comes from the
  same ANTON_* variables the provider reads: ANTON_API_URL or ANTON_ENVIRONMENT, ANTON_CLIENT_ID,
  ANTON_CLIENT_SECRET, ANTON_DPOP_PRIVATE_KEY or ANTON_DPOP_PRIVATE_KEY_FILE, ANTON_DPOP_ALG.
  METHOD is GET or POST (POST sends no body, with an Idempotency-Key); PATH starts with /v1/.
  Secrets in the response are shown as [REDACTED] unless --show-secrets is given.
examples:
  anton-api GET /v1/webhooks
  anton-api POST /v1/webhooks/wbh_.../secret/rotate --show-secrets   (break-glass; then pulumi refresh)`;

export interface ApiRequest {
  method: "GET" | "POST";
  path: string;
  /** The path with ids replaced, for monitoring events: never carries request input. */
  route: string;
  showSecrets: boolean;
  idempotencyKey?: string;
}

export type ParsedApiArgs = { kind: "request"; request: ApiRequest } | { kind: "help" } | { kind: "error"; message: string };

const PATH = /^\/v1(\/[A-Za-z0-9_.~-]+)*\/?(\?[A-Za-z0-9_.~=&%+-]*)?$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Parses `anton-api` arguments. Errors name the argument but never echo it (it could be a pasted credential). */
export function parseApiArgs(argv: readonly string[]): ParsedApiArgs {
  const positional: string[] = [];
  let showSecrets = false;
  let idempotencyKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--show-secrets") showSecrets = true;
    else if (arg === "--idempotency-key" || arg.startsWith("--idempotency-key=")) {
      idempotencyKey = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        return { kind: "error", message: "--idempotency-key must be 1 to 255 visible ASCII characters" };
      }
    } else if (arg.startsWith("-")) return { kind: "error", message: "unknown option (see --help)" };
    else positional.push(arg);
  }
  if (positional.length !== 2) return { kind: "error", message: "expected METHOD and PATH (see --help)" };
  const method = positional[0]!.toUpperCase();
  if (method !== "GET" && method !== "POST") return { kind: "error", message: "METHOD must be GET or POST" };
  const path = positional[1]!;
  if (!PATH.test(path) || path.split("/").some((seg) => seg === "." || seg === "..")) {
    return { kind: "error", message: "PATH must be an API path starting with /v1/, such as /v1/webhooks" };
  }
  if (method === "GET" && idempotencyKey !== undefined) return { kind: "error", message: "--idempotency-key applies to POST only" };
  const route = path.split("?")[0]!.replace(/\/wbh_[A-Za-z0-9]+/g, "/:id");
  return { kind: "request", request: { method, path, route, showSecrets, idempotencyKey } };
}

const SECRET_KEY = /secret|token|password|private|^d$/i;

/**
 * The response body with every secret replaced by `[REDACTED]`: values under secret-looking keys, and
 * secret-shaped strings anywhere (webhook secrets, client secrets, PEM keys, JWTs).
 */
export function redactBody(value: unknown, key = ""): unknown {
  if (typeof value === "string") return value !== "" && SECRET_KEY.test(key) ? "[REDACTED]" : new Redactor().redact(value);
  if (Array.isArray(value)) return value.map((v) => redactBody(v, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactBody(v, k)]));
  }
  return value;
}
