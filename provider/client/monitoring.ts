/**
 * Observability without leaks: `node:diagnostics_channel` events and live
 * counters. Events carry only routes (templated), statuses, timings and
 * counts: never ids that could be secrets, header values, bodies or tokens.
 */
import diagnostics_channel from "node:diagnostics_channel";

/** Published after every HTTP attempt. */
export const REQUEST_CHANNEL = "pulumi-anton:request";
/** Published before every retry sleep. */
export const RETRY_CHANNEL = "pulumi-anton:retry";
/** Published after every access-token mint. */
export const TOKEN_CHANNEL = "pulumi-anton:token";
/** Published when the client waits because of a 429. */
export const RATE_LIMIT_CHANNEL = "pulumi-anton:rate-limit";

/** Coarse outcome of an HTTP attempt. */
export type StatusClass = "2xx" | "4xx" | "5xx" | "network";

/** Payload of {@link REQUEST_CHANNEL}. */
export interface RequestEvent {
  method: string;
  /** Templated route, e.g. `/v1/webhooks/:id/secret/rotate`. */
  route: string;
  status?: number;
  statusClass: StatusClass;
  /** 1-based attempt number within the logical call. */
  attempt: number;
  durationMs: number;
  /** Whether the client will retry after this attempt. */
  retry: boolean;
  requestId?: string;
}

/** Why a retry happens. */
export type RetryReason = "429" | "5xx" | "network" | "timeout" | "nonce" | "token" | "clock_skew" | "in_progress";

/** Payload of {@link RETRY_CHANNEL}. */
export interface RetryEvent {
  route: string;
  reason: RetryReason;
  delayMs: number;
  /** The attempt that failed (the retry will be attempt + 1). */
  attempt: number;
}

/** Payload of {@link TOKEN_CHANNEL}. */
export interface TokenEvent {
  durationMs: number;
}

/** Payload of {@link RATE_LIMIT_CHANNEL}. */
export interface RateLimitEvent {
  waitMs: number;
  /** `X-RateLimit-Remaining`, when the server sent it. */
  remaining?: number;
}

/** Live counters for one client. */
export interface ClientStats {
  /** HTTP attempts sent (including token mints and retries). */
  readonly requests: number;
  readonly byStatusClass: Readonly<Record<StatusClass, number>>;
  /** Responses with status 401 (token or proof rejected): worth alerting on. */
  readonly unauthorized401: number;
  /** Retries of any kind. */
  readonly retries: number;
  /** Retries caused by a DPoP nonce challenge. */
  readonly nonceRetries: number;
  readonly tokensMinted: number;
  /** Waits caused by HTTP 429. */
  readonly rateLimitWaits: number;
  readonly rateLimitWaitMs: number;
}

type MutableStats = { -readonly [K in keyof ClientStats]: ClientStats[K] } & { byStatusClass: Record<StatusClass, number> };

/** Counters plus publishers; one per client. */
export class Monitor {
  readonly stats: MutableStats = {
    requests: 0,
    byStatusClass: { "2xx": 0, "4xx": 0, "5xx": 0, network: 0 },
    unauthorized401: 0,
    retries: 0,
    nonceRetries: 0,
    tokensMinted: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
  };

  readonly #request = diagnostics_channel.channel(REQUEST_CHANNEL);
  readonly #retry = diagnostics_channel.channel(RETRY_CHANNEL);
  readonly #token = diagnostics_channel.channel(TOKEN_CHANNEL);
  readonly #rateLimit = diagnostics_channel.channel(RATE_LIMIT_CHANNEL);

  request(e: RequestEvent): void {
    this.stats.requests += 1;
    this.stats.byStatusClass[e.statusClass] += 1;
    if (e.status === 401) this.stats.unauthorized401 += 1;
    if (this.#request.hasSubscribers) this.#request.publish(Object.freeze({ ...e }));
  }

  retry(e: RetryEvent): void {
    this.stats.retries += 1;
    if (e.reason === "nonce") this.stats.nonceRetries += 1;
    if (this.#retry.hasSubscribers) this.#retry.publish(Object.freeze({ ...e }));
  }

  token(e: TokenEvent): void {
    this.stats.tokensMinted += 1;
    if (this.#token.hasSubscribers) this.#token.publish(Object.freeze({ ...e }));
  }

  rateLimit(e: RateLimitEvent): void {
    this.stats.rateLimitWaits += 1;
    this.stats.rateLimitWaitMs += e.waitMs;
    if (this.#rateLimit.hasSubscribers) this.#rateLimit.publish(Object.freeze({ ...e }));
  }
}

/** Maps an HTTP status to its class. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return "5xx";
  // Redirects are unexpected from Anton and handled as failures, so they count with 4xx.
  if (status >= 300) return "4xx";
  return "2xx";
}
