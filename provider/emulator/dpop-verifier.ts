import { createHash, timingSafeEqual } from "node:crypto";
import {
  EmbeddedJWK,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
} from "jose";
import type { NonceManager } from "./nonces";
import { ReplayCache } from "./replay-cache";

/** Algorithms the Anton docs allow for DPoP keys (EC P-256 or Ed25519; jose spells the latter two ways). */
export const DPOP_ALGS = ["ES256", "EdDSA", "Ed25519"] as const;

const IAT_WINDOW_SECONDS = 60;
const JTI_WINDOW_MS = 5 * 60_000;
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/** Why a proof was refused. `nonce` means "retry with the DPoP-Nonce you were given". */
export class ProofError extends Error {
  override name = "ProofError";
  constructor(
    readonly kind: "invalid" | "nonce",
    message: string,
  ) {
    super(message);
  }
}

export interface ProofContext {
  method: string;
  /** The URL the request was sent to, as the server sees it (scheme from the listener, authority from Host). */
  url: string;
  /** Server clock for the iat check, already including any configured or injected skew. */
  serverNowMs: number;
  /** Real clock for replay bookkeeping. */
  nowMs: number;
  /** Present on resource requests: the proof must carry `ath` for it. Absent on the token endpoint: `ath` is refused. */
  accessToken?: string;
  /** Thumbprint the proof key must have (token binding, or the key registered for the client). */
  expectedJkt?: string;
  expectedJktMessage?: string;
  /** When set, the proof must carry one of the manager's live nonces. */
  nonces?: NonceManager;
  /** Force a nonce challenge regardless of the proof (chaos "nonce"). */
  forceNonceChallenge?: boolean;
}

export interface VerifiedProof {
  jkt: string;
  /** Whether the proof carried a nonce the server accepted (so the response should echo the current one). */
  usedNonce: boolean;
}

/**
 * RFC 9449 proof verification with jose. Imported keys are cached by `alg` + RFC 7638 thumbprint,
 * so a benchmark that reuses one key pays for the import once.
 */
export class DpopVerifier {
  private readonly keys = new Map<string, CryptoKey | Uint8Array>();
  private readonly replay = new ReplayCache(JTI_WINDOW_MS);

  async verify(proof: string | undefined, ctx: ProofContext): Promise<VerifiedProof> {
    if (!proof) throw new ProofError("invalid", "DPoP proof is missing");
    if (proof.includes(",")) throw new ProofError("invalid", "exactly one DPoP proof is allowed");

    let header: JWSHeaderParameters;
    try {
      header = decodeProtectedHeader(proof) as JWSHeaderParameters;
    } catch {
      throw new ProofError("invalid", "DPoP proof is not a well-formed JWS");
    }
    if (header.typ !== "dpop+jwt") throw new ProofError("invalid", 'DPoP proof typ must be "dpop+jwt"');
    if (typeof header.alg !== "string" || !(DPOP_ALGS as readonly string[]).includes(header.alg)) {
      throw new ProofError("invalid", "DPoP proof alg is not supported (use ES256 or EdDSA)");
    }
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) {
      throw new ProofError("invalid", "DPoP proof must embed its public key in the jwk header");
    }
    if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) {
      throw new ProofError("invalid", "DPoP proof jwk must not contain private key material");
    }

    let jkt: string;
    try {
      jkt = await calculateJwkThumbprint(jwk as JWK);
    } catch {
      throw new ProofError("invalid", "DPoP proof jwk is not a valid public key");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, this.resolver(header.alg, jkt), {
        algorithms: [...DPOP_ALGS],
        typ: "dpop+jwt",
        currentDate: new Date(ctx.serverNowMs),
      }));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") throw new ProofError("invalid", "DPoP proof signature is invalid");
      throw new ProofError("invalid", "DPoP proof could not be verified");
    }

    this.checkClaims(payload, ctx);
    if (ctx.expectedJkt !== undefined && ctx.expectedJkt !== jkt) {
      throw new ProofError("invalid", ctx.expectedJktMessage ?? "DPoP proof key does not match the access token binding");
    }
    const jti = payload.jti as string;
    // Scoped by key: two clients may pick the same jti, one client may not reuse its own.
    const replayKey = `${jkt}:${jti}`;
    if (this.replay.has(replayKey, ctx.nowMs)) throw new ProofError("invalid", "DPoP proof jti has already been used");

    let usedNonce = false;
    if (ctx.forceNonceChallenge) throw new ProofError("nonce", "authorization server requires nonce in DPoP proof");
    if (ctx.nonces) {
      const nonce = payload.nonce;
      if (typeof nonce !== "string" || !ctx.nonces.accepts(nonce, ctx.nowMs)) {
        throw new ProofError("nonce", "a fresh DPoP nonce is required in the proof");
      }
      usedNonce = true;
    }
    this.replay.add(replayKey, ctx.nowMs);
    return { jkt, usedNonce };
  }

  private checkClaims(payload: JWTPayload, ctx: ProofContext): void {
    if (payload.htm !== ctx.method) throw new ProofError("invalid", "DPoP proof htm does not match the request method");
    if (typeof payload.htu !== "string" || !sameTarget(payload.htu, ctx.url)) {
      throw new ProofError("invalid", "DPoP proof htu does not match the request URL");
    }
    if (typeof payload.iat !== "number" || !Number.isFinite(payload.iat)) {
      throw new ProofError("invalid", "DPoP proof iat is missing");
    }
    if (Math.abs(payload.iat - ctx.serverNowMs / 1000) > IAT_WINDOW_SECONDS) {
      throw new ProofError("invalid", "DPoP proof iat is out of range (must be within 60 seconds of the server clock; see the Date header)");
    }
    if (typeof payload.jti !== "string" || payload.jti.length === 0 || payload.jti.length > 256) {
      throw new ProofError("invalid", "DPoP proof jti is missing or invalid");
    }
    if (ctx.accessToken === undefined) {
      if (payload.ath !== undefined) throw new ProofError("invalid", "DPoP proof for the token endpoint must not contain ath");
      return;
    }
    if (typeof payload.ath !== "string") throw new ProofError("invalid", "DPoP proof ath is missing");
    // Compare the encoded strings: Buffer's base64url decoder also accepts the standard alphabet, padding
    // and trailing junk, which would let a client with a wrong encoding pass here and fail against Anton.
    const expected = Buffer.from(createHash("sha256").update(ctx.accessToken).digest("base64url"));
    const actual = Buffer.from(payload.ath);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new ProofError("invalid", "DPoP proof ath does not match the access token");
    }
  }

  /** Wraps jose's EmbeddedJWK with a thumbprint-keyed cache; the cache is only filled after EmbeddedJWK accepted the key. */
  private resolver(alg: string, jkt: string) {
    const cacheKey = `${alg}:${jkt}`;
    return async (protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput) => {
      const jwk = protectedHeader.jwk as JWK;
      const cached = this.keys.get(cacheKey);
      // EmbeddedJWK also checks `use`/`alg` on the JWK; repeat that here so a cache hit is no weaker.
      const consistent = (jwk.use === undefined || jwk.use === "sig") && (jwk.alg === undefined || jwk.alg === alg);
      if (cached && consistent) return cached;
      const key = await EmbeddedJWK(protectedHeader, token);
      if (this.keys.size >= 1000) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(cacheKey, key);
      return key;
    };
  }
}

/** Compares scheme, host, port and path (RFC 9449 §4.3); the proof's htu must not carry a query or fragment. */
function sameTarget(htu: string, requestUrl: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(htu);
    b = new URL(requestUrl);
  } catch {
    return false;
  }
  if (a.search !== "" || a.hash !== "" || htu.includes("?") || htu.includes("#")) return false;
  return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}
