/** Outcome of one rate-limit check, with the values of the `X-RateLimit-*` headers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the oldest counted request leaves the window. */
  resetSeconds: number;
  /** Whole seconds to wait, at least 1, when not allowed. */
  retryAfterSeconds: number;
}

/**
 * Rolling-window limiter, one window per merchant (the docs: "1,000/min per merchant, rolling 60 s").
 * Each bucket is a queue of accepted-request timestamps; refused requests are not counted.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { times: number[]; head: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts the request when it fits; with `consume` false only reports (for responses that had no effect). */
  check(key: string, nowMs: number, consume = true): RateDecision {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { times: [], head: 0 }));
    const { times } = bucket;
    while (bucket.head < times.length && times[bucket.head]! <= nowMs - this.windowMs) bucket.head++;
    if (bucket.head > 1024 && bucket.head * 2 > times.length) {
      times.splice(0, bucket.head);
      bucket.head = 0;
    }
    const inWindow = times.length - bucket.head;
    const allowed = inWindow < this.limit;
    if (allowed && consume) times.push(nowMs);
    const oldest = times[bucket.head] ?? nowMs;
    const resetMs = oldest + this.windowMs;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - (times.length - bucket.head)),
      resetSeconds: Math.ceil(resetMs / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((resetMs - nowMs) / 1000)),
    };
  }
}
