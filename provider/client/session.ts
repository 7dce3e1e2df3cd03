/**
 * The DPoP session with one Anton credential: the access token (shared, single-flight), the server nonces, the
 * server's clock offset, and the signed headers of each attempt (RFC 9449).
 */
import { signProof, NonceStore } from "./dpop";
import type { DpopKey } from "./keys";
import type { Redactor } from "./redact";
import { TokenCache, type AccessToken } from "./token";

export type Role = "token" | "resource";

export class DpopSession {
  readonly #key: DpopKey;
  readonly #origin: string;
  readonly #basic: string;
  readonly #now: () => number;
  readonly #redactor: Redactor;
  readonly #nonces = new NonceStore();
  readonly tokens: TokenCache;
  /** Server clock minus local clock, in ms; set only from a request that succeeded with it. */
  clockOffsetMs = 0;

  constructor(o: { key: DpopKey; origin: string; clientId: string; clientSecret: string; now: () => number; redactor: Redactor; mint: () => Promise<AccessToken> }) {
    this.#key = o.key;
    this.#origin = o.origin;
    this.#now = o.now;
    this.#redactor = o.redactor;
    const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
    // RFC 6749 §2.3.1: form-encode id and secret before Basic encoding.
    this.#basic = Buffer.from(`${form(o.clientId)}:${form(o.clientSecret)}`).toString("base64");
    for (const v of [o.clientSecret, form(o.clientSecret), this.#basic, o.key.privateScalar]) o.redactor.pin(v);
    this.tokens = new TokenCache(o.mint, o.now);
  }

  /** Whether `token` is still the cached one ("current"), was replaced or dropped ("stale"), or absent ("none"). */
  tokenState(token: string | undefined): "none" | "current" | "stale" {
    if (token === undefined) return "none";
    return this.tokens.holds(token) ? "current" : "stale";
  }

  /** Keeps the server's latest nonce for this role. */
  rememberNonce(role: Role, nonce: string | undefined): void {
    this.#nonces.set(this.#origin, role, nonce);
  }

  /**
   * Headers for one attempt, with a fresh proof. `iat` and the nonce are read now, just before sending: a server
   * rotates nonces while a deep queue waits. Without a token, these are the token endpoint's (HTTP Basic).
   */
  async headers(a: { role: Role; method: string; htu: string; token?: string; offsetMs: number; idempotencyKey?: string }): Promise<Record<string, string>> {
    const nonce = this.#nonces.get(this.#origin, a.role);
    const iat = Math.floor((this.#now() + a.offsetMs) / 1000);
    const proof = await signProof(this.#key, { htm: a.method, htu: a.htu, iat, nonce, accessToken: a.token });
    this.#redactor.remember(proof);
    if (a.token === undefined) {
      return { authorization: `Basic ${this.#basic}`, "content-type": "application/x-www-form-urlencoded", dpop: proof };
    }
    const headers: Record<string, string> = { authorization: `DPoP ${a.token}`, dpop: proof };
    if (a.idempotencyKey) headers["idempotency-key"] = a.idempotencyKey;
    return headers;
  }
}
