import { nonceValue } from "./ids";

const ROTATE_EVERY_REQUESTS = 100;
const ROTATE_EVERY_MS = 30_000;
/** How long the previous nonce stays acceptable, so a request racing a rotation is not challenged. */
const PREVIOUS_GRACE_MS = 10_000;

/** Server-issued DPoP nonces (RFC 9449 §8/§9): one current value, rotated by use count or age. */
export class NonceManager {
  private current = nonceValue();
  private previous: string | undefined;
  private previousUntil = 0;
  private issuedAt: number;
  private uses = 0;

  constructor(nowMs: number) {
    this.issuedAt = nowMs;
  }

  /** The nonce to hand out now; rotates it when it is old or has been used often. */
  issue(nowMs: number): string {
    this.uses += 1;
    if (this.uses > ROTATE_EVERY_REQUESTS || nowMs - this.issuedAt > ROTATE_EVERY_MS) {
      this.previous = this.current;
      this.previousUntil = nowMs + PREVIOUS_GRACE_MS;
      this.current = nonceValue();
      this.issuedAt = nowMs;
      this.uses = 0;
    }
    return this.current;
  }

  accepts(nonce: string, nowMs: number): boolean {
    if (nonce === this.current) return true;
    return nonce === this.previous && nowMs < this.previousUntil;
  }
}
