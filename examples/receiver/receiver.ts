/**
 * A framework-free Anton webhook receiver on `node:http`: raw-body signature verification with
 * the current and previous secret, replay window, event-id deduplication, and logs that never
 * contain a body, a signature or a secret.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { verifyWebhookSignature, WebhookVerificationError, type VerifiedWebhook, type WebhookVerificationErrorCode } from "pulumi-anton/webhooks";
import { logLine, type LogFields } from "./log-line";
import { readRawBody } from "./raw-body";
import { RecentIds } from "./recent-ids";
import { secretFingerprint, type WebhookSecrets } from "./secrets";

/** An Anton event envelope, as signed by Anton. */
export interface AntonEvent {
  readonly id: string;
  readonly type: string;
  readonly created_at?: string;
  readonly data?: unknown;
  readonly [key: string]: unknown;
}

/** What the receiver verified about a delivery, passed to `onEvent` with the event. */
export interface DeliveryInfo {
  /** Signature scheme the delivery used. */
  readonly scheme: VerifiedWebhook["scheme"];
  /** The signed timestamp (unix seconds). */
  readonly timestamp: number | null;
  /** 0: the current secret verified it; 1: only the previous one did (the old secret is still in use). */
  readonly secretIndex: number;
  /** Fingerprint of the secret that verified it (matches `AntonWebhookSecret.fingerprint`). */
  readonly secretFingerprint: string;
}

/** Running totals, for a metrics endpoint or a test. */
export interface ReceiverStats {
  accepted: number;
  duplicates: number;
  /** Accepted deliveries by the index of the secret that verified them: [current, previous]. */
  bySecretIndex: [number, number];
  /** Rejections by reason (verification codes, plus `too_large`, `method_not_allowed`, `invalid_payload`, `secrets_unavailable`, ...). */
  rejected: Record<string, number>;
  /** `onEvent` calls that threw or rejected. */
  handlerErrors: number;
}

/** Options for {@link createReceiver}. */
export interface ReceiverOptions {
  /** Returns the secrets to verify with; called per delivery, so a reloaded file takes effect at once. A throw answers 503. */
  secrets: () => WebhookSecrets;
  /**
   * Called once per new, verified event, after the 2xx has been sent (so Anton is answered quickly).
   * Hand the event to a durable queue here: a failure is logged but the delivery is already acknowledged.
   */
  onEvent?: (event: AntonEvent, delivery: DeliveryInfo) => void | Promise<void>;
  /** One logfmt line per request; never a body, a header value or a secret. Default `console.log`. */
  log?: (line: string) => void;
  /** Replay window in seconds, both directions. Default 300 (Anton's 5 minutes). */
  toleranceSeconds?: number;
  /**
   * Stop accepting the previous secret this many seconds after the rotation (the document's
   * `rotatedAt`), even if the secrets source still carries it. The AWS example keeps `previous`
   * until the next rotation, which may be a month away; this bounds how long a retired secret
   * stays valid without editing the document. Default: no limit (drop `previous` by emptying it).
   * A document without `rotatedAt` keeps its `previous`.
   */
  previousSecretMaxAgeSeconds?: number;
  /** Largest accepted body in bytes; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Only this path is served (others get 404). Default: any path. */
  path?: string;
  /** Deduplication memory. Defaults: 10 000 ids for 24 h. */
  dedupe?: { maxEntries?: number; ttlSeconds?: number };
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/** The receiver's `node:http` server, with its counters. */
export interface ReceiverServer extends Server {
  readonly stats: ReceiverStats;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

// 400 for requests that are not a well-formed signed delivery, 401 for a signature that does not
// hold (wrong secret, or authentic but outside the replay window).
const STATUS_BY_CODE: Record<WebhookVerificationErrorCode, 400 | 401> = {
  missing_header: 400,
  duplicate_header: 400,
  malformed: 400,
  legacy_scheme_disabled: 400,
  no_matching_signature: 401,
  timestamp_out_of_range: 401,
};

// The sender only learns the status class: a finer reason would tell a forger, for example,
// that a captured signature is authentic but stale.
const PUBLIC_ERROR: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  500: "internal_error",
  503: "unavailable",
};

function send(res: ServerResponse, status: number, extraHeaders: Record<string, string> = {}): void {
  const body = status < 300 ? '{"ok":true}' : JSON.stringify({ error: PUBLIC_ERROR[status] ?? "error" });
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...extraHeaders });
  res.end(body);
}

function isPreviousExpired(secrets: WebhookSecrets, nowMs: number, maxAgeSeconds: number | undefined): boolean {
  if (maxAgeSeconds === undefined || secrets.previous === undefined || secrets.rotatedAt === undefined) return false;
  return nowMs - Date.parse(secrets.rotatedAt) > maxAgeSeconds * 1000;
}

function eventOf(body: Buffer): AntonEvent | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const event = parsed as Record<string, unknown>;
    return typeof event.id === "string" && event.id !== "" && typeof event.type === "string" ? (event as AntonEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates (does not start) a webhook receiver. Call `listen()` on the result.
 *
 * Answers: 202 for a new verified event, 200 for a duplicate, 400 for a malformed delivery,
 * 401 for a bad or stale signature, 404 off `path`, 405 for non-POST, 413 above `maxBodyBytes`,
 * 503 when no secrets are available (Anton retries later). Error bodies carry no detail.
 *
 * @example
 * ```ts
 * const server = createReceiver({ secrets: fileSecretsSource("/run/secrets/anton.json").get, onEvent: (e) => queue.push(e) });
 * server.listen(8080);
 * ```
 */
export function createReceiver(options: ReceiverOptions): ReceiverServer {
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const recent = new RecentIds({
    maxEntries: options.dedupe?.maxEntries,
    ttlMs: (options.dedupe?.ttlSeconds ?? 24 * 3600) * 1000,
    now,
  });
  const stats: ReceiverStats = { accepted: 0, duplicates: 0, bySecretIndex: [0, 0], rejected: {}, handlerErrors: 0 };

  const reject = (res: ServerResponse, status: number, reason: string, extra: LogFields = {}, headers: Record<string, string> = {}) => {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
    log(logLine({ outcome: "rejected", status, reason, ...extra }));
    send(res, status, headers);
  };
  // Refuses without reading (the rest of) the body: draining it would let any client make the
  // receiver read an unbounded upload. The connection is closed instead of kept alive.
  const refuseUnread = (req: IncomingMessage, res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}) => {
    reject(res, status, reason, {}, { ...headers, Connection: "close" });
    res.once("finish", () => req.destroy());
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.path !== undefined && new URL(req.url ?? "/", "http://receiver").pathname !== options.path) {
      return refuseUnread(req, res, 404, "not_found");
    }
    if (req.method !== "POST") return refuseUnread(req, res, 405, "method_not_allowed", { Allow: "POST" });
    // Only now invite an `Expect: 100-continue` sender to send its body: a refusal above (or a
    // declared size over the cap, checked by readRawBody) never asks for bytes it will not read.
    if (/^100-continue$/i.test(req.headers.expect ?? "") && !(Number(req.headers["content-length"]) > maxBodyBytes)) res.writeContinue();
    const read = await readRawBody(req, maxBodyBytes);
    if (!read.ok) {
      if (read.reason === "aborted") {
        stats.rejected.aborted = (stats.rejected.aborted ?? 0) + 1;
        return;
      }
      return refuseUnread(req, res, 413, "too_large");
    }

    let secrets: WebhookSecrets;
    try {
      secrets = options.secrets();
    } catch {
      // 503 makes Anton retry later instead of dropping the event.
      return reject(res, 503, "secrets_unavailable", {}, { "Retry-After": "30" });
    }
    const previousExpired = isPreviousExpired(secrets, now(), options.previousSecretMaxAgeSeconds);
    const list = secrets.previous && !previousExpired ? [secrets.current, secrets.previous] : [secrets.current];

    let verified: VerifiedWebhook;
    try {
      verified = verifyWebhookSignature({
        rawBody: read.body,
        headers: req.headers,
        secrets: list,
        toleranceSeconds: options.toleranceSeconds,
        now: Math.floor(now() / 1000),
      });
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        // previous_secret=expired tells an operator why a late sender on the old secret now gets 401.
        const extra = { scheme: error.scheme, skew_seconds: error.skewSeconds, previous_secret: previousExpired ? "expired" : undefined };
        return reject(res, STATUS_BY_CODE[error.code], error.code, extra);
      }
      // A WebhookConfigurationError (e.g. a secret with a stray newline) is our bug, not the sender's.
      return reject(res, 500, "invalid_configuration");
    }

    const delivery: DeliveryInfo = {
      scheme: verified.scheme,
      timestamp: verified.timestamp,
      secretIndex: verified.secretIndex,
      secretFingerprint: secretFingerprint(list[verified.secretIndex]),
    };
    const common = { scheme: delivery.scheme, secret_index: delivery.secretIndex, secret_fingerprint: delivery.secretFingerprint };

    // Authentic but unusable: answering 400 makes Anton surface it, and retries will not fix it.
    const event = eventOf(read.body);
    if (!event) return reject(res, 400, "invalid_payload", common);

    // The body's id is signed; X-Webhook-ID is not, so a replay could change it to dodge this check.
    if (!recent.add(event.id)) {
      stats.duplicates += 1;
      log(logLine({ outcome: "duplicate", status: 200, event_id: event.id, event_type: event.type, ...common }));
      return send(res, 200);
    }
    stats.accepted += 1;
    stats.bySecretIndex[delivery.secretIndex === 0 ? 0 : 1] += 1;
    log(logLine({ outcome: "accepted", status: 202, event_id: event.id, event_type: event.type, ...common }));
    send(res, 202);

    if (!options.onEvent) return;
    try {
      await options.onEvent(event, delivery);
    } catch (error) {
      stats.handlerErrors += 1;
      // The error's name only: a message may quote the payload.
      log(logLine({ outcome: "handler_error", event_id: event.id, error: error instanceof Error ? error.name : typeof error }));
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500);
      else res.destroy();
    });
  };
  const server = createServer(onRequest);
  // Without this listener Node answers "100 Continue" to every such request before the handler runs.
  server.on("checkContinue", onRequest);
  // Slow-loris bounds: a delivery is small and Anton waits at most 30 s for an answer.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return Object.assign(server, { stats });
}
