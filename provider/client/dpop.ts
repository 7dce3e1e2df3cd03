/**
 * DPoP proof signing (RFC 9449 §4). One fresh proof per HTTP attempt: the
 * server rejects a reused `jti`, and `iat`, `nonce` and `ath` may change
 * between attempts.
 */
import { createHash, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { DpopKey } from "./keys";

/** Inputs for one proof. */
export interface ProofInput {
  htm: string;
  htu: string;
  /** Seconds since the epoch, already corrected for server clock skew. */
  iat: number;
  nonce?: string;
  /** Present on resource requests only: binds the proof to this access token via `ath`. */
  accessToken?: string;
}

/** Signs a DPoP proof JWT with the client's key. */
export async function signProof(key: DpopKey, input: ProofInput): Promise<string> {
  const claims: Record<string, unknown> = { htm: input.htm, htu: input.htu, jti: randomUUID() };
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  if (input.accessToken !== undefined) claims.ath = accessTokenHash(input.accessToken);
  return new SignJWT(claims)
    .setProtectedHeader({ typ: "dpop+jwt", alg: key.alg, jwk: { ...key.publicJwk } })
    .setIssuedAt(input.iat)
    .sign(key.privateKey);
}

/** `ath`: base64url(SHA-256(ASCII access token)). */
export function accessTokenHash(token: string): string {
  return createHash("sha256").update(token, "ascii").digest("base64url");
}

/**
 * Remembers the latest `DPoP-Nonce` per server. The authorization server and
 * the resource server may share an origin yet issue independent nonces, so
 * the key is origin + role.
 */
export class NonceStore {
  #nonces = new Map<string, string>();

  get(origin: string, role: "token" | "resource"): string | undefined {
    return this.#nonces.get(`${origin} ${role}`);
  }

  set(origin: string, role: "token" | "resource", nonce: string | undefined): void {
    // A nonce is an opaque token68-ish value; ignore anything odd rather than reflect it into a header.
    if (nonce && /^[\x21-\x7e]{1,512}$/.test(nonce)) this.#nonces.set(`${origin} ${role}`, nonce);
  }
}
