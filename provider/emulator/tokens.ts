import { accessToken } from "./ids";

/** Server-side view of an opaque access token: who it belongs to and the key it is bound to (`cnf.jkt`). */
export interface TokenRecord {
  clientId: string;
  jkt: string;
  expiresAt: number;
}

/** Opaque DPoP-bound tokens. Expired entries are swept as new tokens are minted, so the map stays bounded. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private mintsSinceSweep = 0;

  mint(clientId: string, jkt: string, ttlSeconds: number, nowMs: number): string {
    if (++this.mintsSinceSweep >= 256) this.sweep(nowMs);
    const token = accessToken();
    this.tokens.set(token, { clientId, jkt, expiresAt: nowMs + ttlSeconds * 1000 });
    return token;
  }

  /** `undefined` for unknown tokens; expired tokens are returned so the caller can say "expired". */
  lookup(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /**
   * Forced expiry stamps "now" rather than 0: the sweep keeps expired tokens for an hour after their
   * expiry, and a 0 would let the next sweep forget them, turning "expired" into "unknown".
   */
  expire(token: string, nowMs: number): void {
    const record = this.tokens.get(token);
    if (record) record.expiresAt = Math.min(record.expiresAt, nowMs);
  }

  expireAll(nowMs: number): void {
    for (const record of this.tokens.values()) record.expiresAt = Math.min(record.expiresAt, nowMs);
  }

  private sweep(nowMs: number): void {
    this.mintsSinceSweep = 0;
    // Keep expired tokens for an hour so a late request still hears "expired" rather than "unknown".
    for (const [token, record] of this.tokens) if (record.expiresAt + 3_600_000 < nowMs) this.tokens.delete(token);
  }
}
