/**
 * Access-token cache with single flight: concurrent callers share one pending
 * mint, and a token is reused until shortly before it expires.
 */

/** A minted access token. */
export interface AccessToken {
  value: string;
  /** Lifetime granted by the server, in seconds. */
  expiresIn: number;
}

/** Refresh margin: min(60 s, 10% of the lifetime), so short test TTLs still get reuse. */
export function refreshMarginMs(expiresInSeconds: number): number {
  return Math.min(60_000, expiresInSeconds * 100);
}

export class TokenCache {
  #current?: { value: string; refreshAt: number };
  #pending?: Promise<string>;

  constructor(
    private readonly mint: () => Promise<AccessToken>,
    private readonly now: () => number,
  ) {}

  /** A valid token, minting one only if none is cached (or it is about to expire). */
  get(): Promise<string> {
    const cur = this.#current;
    if (cur && this.now() < cur.refreshAt) return Promise.resolve(cur.value);
    if (!this.#pending) {
      const started = this.now();
      this.#pending = this.mint().then(
        (t) => {
          this.#current = { value: t.value, refreshAt: started + t.expiresIn * 1000 - refreshMarginMs(t.expiresIn) };
          this.#pending = undefined;
          return t.value;
        },
        (err: unknown) => {
          // Do not cache failures: the next caller tries again.
          this.#pending = undefined;
          throw err;
        },
      );
    }
    return this.#pending;
  }

  /** The cached token if it is still good to use, without minting; undefined while none is (or a mint is due). */
  peek(): string | undefined {
    const cur = this.#current;
    return cur && this.now() < cur.refreshAt ? cur.value : undefined;
  }

  /**
   * Drops `token` if it is still the cached one. Comparing first means 50
   * callers that all saw the same expired token cause one re-mint, not 50.
   */
  invalidate(token: string): void {
    if (this.#current?.value === token) this.#current = undefined;
  }

  /** True when `token` is the cached token (not replaced, dropped or being re-minted). */
  holds(token: string): boolean {
    return this.#current?.value === token;
  }

  clear(): void {
    this.#current = undefined;
  }
}
