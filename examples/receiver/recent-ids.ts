/**
 * A bounded set of recently seen event ids (LRU by insertion, plus a TTL), for deduplicating
 * at-least-once deliveries without unbounded memory.
 */

/** Options for {@link RecentIds}. */
export interface RecentIdsOptions {
  /** Most ids kept; the oldest is evicted beyond it. Default 10 000. */
  maxEntries?: number;
  /** How long an id is remembered. Default 24 h, longer than Anton's ~10.5 h retry schedule. */
  ttlMs?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

export class RecentIds {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: RecentIdsOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.ttlMs = options.ttlMs ?? 24 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Number of ids currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** Records `id`; returns false if it was already there and not expired (a duplicate). */
  add(id: string): boolean {
    const now = this.now();
    this.expire(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now + this.ttlMs);
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  /** Forgets `id`, e.g. when processing could not start and a redelivery should be handled. */
  delete(id: string): void {
    this.seen.delete(id);
  }

  private expire(now: number): void {
    // Entries expire in insertion order (same TTL for all), so stop at the first live one.
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(id);
    }
  }
}
