import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, type JWK } from "jose";

/** A DPoP signing key as a test holds it. */
export interface TestKey {
  privateKey: KeyObject;
  publicJwk: JWK;
  alg: "ES256" | "EdDSA";
}

export function keyFromPem(pem: string, alg: "ES256" | "EdDSA"): TestKey {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicJwk: createPublicKey(privateKey).export({ format: "jwk" }) as JWK, alg };
}

export function freshKey(alg: "ES256" | "EdDSA" = "ES256"): TestKey {
  const { privateKey } = alg === "EdDSA" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicJwk: createPublicKey(privateKey).export({ format: "jwk" }) as JWK, alg };
}

export const ath = (token: string): string => createHash("sha256").update(token).digest("base64url");

/** Everything about a proof a test may want to get wrong. `undefined` claim values are left out. */
export interface ProofOptions {
  key: TestKey;
  htm: string;
  htu: string;
  token?: string;
  iat?: number;
  jti?: string;
  nonce?: string;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** Header jwk override (e.g. with `d`, or omitted with `null`). */
  jwk?: Record<string, unknown> | null;
  typ?: string;
  alg?: string;
  /** Sign with this key instead of `key` while still embedding `key`'s public JWK. */
  signWith?: KeyObject;
}

/** Builds a DPoP proof with jose, valid unless an option says otherwise. */
export async function buildProof(o: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: o.htm,
    htu: o.htu,
    iat: o.iat ?? Math.floor(Date.now() / 1000),
    jti: o.jti ?? randomUUID(),
    ...(o.token !== undefined ? { ath: ath(o.token) } : {}),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
    ...o.claims,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  const header: Record<string, unknown> = { alg: o.alg ?? o.key.alg, typ: o.typ ?? "dpop+jwt", ...o.header };
  if (o.jwk !== null) header.jwk = o.jwk ?? o.key.publicJwk;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(o.signWith ?? o.key.privateKey);
}
