/**
 * Remembers DPoP `jti` values for a fixed window (RFC 9449 §11.1).
 * Entries are kept in insertion order, which is also expiry order, so pruning is a walk from the front.
 * The map is capped: when full, the oldest entry goes first. That reopens a replay window only under
 * a flood far beyond anything the emulator's users send, and keeps memory bounded in benchmarks.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** True when `id` was already used inside the window. */
  has(id: string, nowMs: number): boolean {
    const expires = this.seen.get(id);
    return expires !== undefined && expires > nowMs;
  }

  add(id: string, nowMs: number): void {
    this.prune(nowMs);
    this.seen.delete(id);
    this.seen.set(id, nowMs + this.windowMs);
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    for (const [id, expires] of this.seen) {
      if (expires > nowMs && this.seen.size < this.maxEntries) break;
      this.seen.delete(id);
    }
  }
}
