/**
 * The retry policy: given what one attempt ended with, decide whether the call tries again, why, and after how
 * long. Pure: every fact it needs arrives in its input (the caller reads clocks, headers and the token cache),
 * so it is tested as a table (test/client/retry-policy.test.ts).
 */
import type { RetryReason } from "./monitoring";
import { isRetryableStatus } from "./retry";

/** Clock corrections per call: a second one covers a first learned from an outlier Date header. */
export const MAX_CLOCK_FIXES = 2;
/**
 * Retries one call may make after `invalid_token` for a token that another call had already
 * replaced. Such a rejection says nothing about the fresh token, so it does not use up the call's
 * own re-mint; the cap only guards against a server that keeps rejecting every token.
 */
export const MAX_STALE_TOKEN_RETRIES = 5;
/** Clock differences above this are treated as skew when a proof is rejected. */
const SKEW_THRESHOLD_MS = 30_000;
/** 409 codes meaning "a request with this Idempotency-Key is still being processed". */
export const IN_PROGRESS_CODES: ReadonlySet<string> = new Set(["idempotency_key_in_use", "idempotency_in_progress", "request_in_progress"]);

/** What the call is, as far as retrying goes. */
export interface CallTraits {
  role: "token" | "resource";
  /**
   * Whether a repeat is safe: the token endpoint (a mint has no lasting effect), GETs, and POSTs with an
   * Idempotency-Key. A /v1 POST without a key is never retried, whatever the answer.
   */
  idempotent: boolean;
  /** Whether the request carried an Idempotency-Key (a 409 "in progress" then means "wait for the original"). */
  keyed: boolean;
}

/** What this call has already spent on challenges. */
export interface ChallengeState {
  nonceUsed: boolean;
  /** Whether this call already re-minted after `invalid_token` for the token it had. */
  tokenRenewed: boolean;
  staleTokens: number;
  clockFixes: number;
}

/** How one attempt ended. */
export type Outcome =
  | { kind: "transport"; error: "timeout" | "network_error" | "tls_error" }
  | {
      kind: "http";
      status: number;
      /** The error code from the body, else from `WWW-Authenticate`. */
      code?: string;
      /** The `error` of `WWW-Authenticate`. */
      authError?: string;
      /** Whether the answer carried a `DPoP-Nonce`. */
      nonce: boolean;
      /** `Retry-After`, in ms from now, when present and readable. */
      retryAfterMs?: number;
      /** The access token the request carried: none (token endpoint), still the cached one, or already replaced. */
      token: "none" | "current" | "stale";
      /** The server's clock offset when the answer rejects the proof's `iat` and correcting it could help (see {@link serverOffset}). */
      serverOffsetMs?: number;
    };

/** The retry budget, as the policy sees it. */
export interface Budget {
  /** Whether another attempt fits after `attempts` attempts and a wait of `delayMs`. */
  allows(attempts: number, delayMs: number): boolean;
  /** The next backoff delay (each call counts as one more backoff). */
  backoff(): number;
  /** The configured base delay, the least wait after a 409 "in progress". */
  baseDelayMs: number;
}

export type Decision = { retry: false } | { retry: true; reason: RetryReason; delayMs: number };

const NO: Decision = { retry: false };

/** Decides the next step after attempt number `attempts` ended with `outcome`. */
export function decide(outcome: Outcome, call: CallTraits, used: ChallengeState, attempts: number, budget: Budget): Decision {
  if (outcome.kind === "transport") {
    const delayMs = budget.backoff();
    const retry = outcome.error !== "tls_error" && call.idempotent && budget.allows(attempts, delayMs);
    return retry ? { retry, reason: outcome.error === "timeout" ? "timeout" : "network", delayMs } : NO;
  }
  const { reason, delayMs } = httpReason(outcome, call, used, attempts, budget);
  if (reason === undefined || !call.idempotent) return NO;
  // Challenges (nonce, token, clock) are definite rejections answered at once: they spend no attempt, only time.
  const budgeted = reason === "429" || reason === "5xx" || reason === "in_progress";
  return budget.allows(budgeted ? attempts : 0, delayMs) ? { retry: true, reason, delayMs } : NO;
}

function httpReason(o: Extract<Outcome, { kind: "http" }>, call: CallTraits, used: ChallengeState, attempts: number, budget: Budget): { reason?: RetryReason; delayMs: number } {
  const challenged = call.role === "token" ? (o.status === 400 || o.status === 401) && o.code === "use_dpop_nonce" : o.status === 401 && (o.authError === "use_dpop_nonce" || o.code === "use_dpop_nonce");
  if (o.nonce && challenged && !used.nonceUsed) return { reason: "nonce", delayMs: 0 };
  if (call.role === "resource" && o.status === 401 && (o.code === "invalid_token" || o.authError === "invalid_token") && mayRenewToken(o.token, used)) {
    return { reason: "token", delayMs: 0 };
  }
  if ((o.status === 400 || o.status === 401) && used.clockFixes < MAX_CLOCK_FIXES && o.serverOffsetMs !== undefined) return { reason: "clock_skew", delayMs: 0 };
  if (o.status === 409 && call.keyed && o.code !== undefined && IN_PROGRESS_CODES.has(o.code)) {
    // The original request with this key is still running; waiting then retrying yields its stored response.
    // Full jitter can draw 0 ms, and an instant retry can only meet another 409: wait at least the base delay.
    const delayMs = o.retryAfterMs ?? Math.max(budget.baseDelayMs, budget.backoff());
    return { reason: budget.allows(attempts, delayMs) ? "in_progress" : undefined, delayMs };
  }
  if (isRetryableStatus(o.status)) {
    // Retry-After is authoritative for 429 and, when present, for 503 (RFC 9110 §10.2.3); otherwise back off.
    const delayMs = (o.status === 429 || o.status === 503 ? o.retryAfterMs : undefined) ?? budget.backoff();
    return { reason: budget.allows(attempts, delayMs) ? (o.status === 429 ? "429" : "5xx") : undefined, delayMs };
  }
  return { delayMs: 0 };
}

/** After `invalid_token`: once per call with a fresh token, plus (capped) when the rejected token was already replaced. */
function mayRenewToken(token: "none" | "current" | "stale", used: ChallengeState): boolean {
  if (token === "stale") return used.staleTokens < MAX_STALE_TOKEN_RETRIES;
  return token === "current" && !used.tokenRenewed;
}

/**
 * The server's clock offset, from its `Date`, when a proof was rejected for its `iat` (RFC 9449 §11.1 lets
 * servers bound iat); undefined when the rejection is not about time or the offset would not change, i.e. a retry
 * has no chance.
 */
export function serverOffset(a: { dateMs: number; localNowMs: number; currentOffsetMs: number; code?: string; text: string }): number | undefined {
  if (Number.isNaN(a.dateMs)) return undefined;
  const skew = a.dateMs - (a.localNowMs + a.currentOffsetMs);
  const mentionsIat = /\biat\b/i.test(a.text);
  if (!(mentionsIat || (a.code === "invalid_dpop_proof" && Math.abs(skew) > SKEW_THRESHOLD_MS))) return undefined;
  if (a.code !== undefined && a.code !== "invalid_dpop_proof" && !mentionsIat) return undefined;
  // Date has one-second resolution: a smaller move cannot fix a rejected iat.
  if (Math.abs(skew) < 1_000) return undefined;
  return a.dateMs - a.localNowMs;
}
