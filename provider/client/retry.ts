/**
 * Retry policy: what is worth retrying, how long to wait, and the overall
 * budget (attempts and wall-clock deadline) that bounds every logical call.
 */

/** User-tunable retry settings; see {@link AntonClientOptions.retry}. */
export interface RetrySettings {
  maxAttempts: number;
  maxElapsedMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetrySettings> = Object.freeze({
  maxAttempts: 5,
  maxElapsedMs: 60_000,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
});

/** Statuses that signal a transient server-side condition. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
 * Returns milliseconds to wait, or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[A-Za-z]/.test(v)) return undefined;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter (AWS architecture blog): uniform in [0, min(max, base·2^(n-1))]. */
export function backoffDelay(retryNumber: number, s: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

/** Tracks one logical call's retry budget. */
export class RetryBudget {
  readonly #deadline: number;
  #retries = 0;

  constructor(
    private readonly settings: RetrySettings,
    private readonly now: () => number,
  ) {
    this.#deadline = now() + settings.maxElapsedMs;
  }

  /**
   * Decides whether another attempt fits after `attemptsSoFar` attempts and a
   * wait of `delayMs`; never plans a sleep that would end past the deadline.
   */
  allows(attemptsSoFar: number, delayMs: number): boolean {
    return attemptsSoFar < this.settings.maxAttempts && this.now() + delayMs <= this.#deadline;
  }

  /** The next backoff delay (increments the retry counter). */
  nextBackoff(): number {
    this.#retries += 1;
    return backoffDelay(this.#retries, this.settings);
  }
}
